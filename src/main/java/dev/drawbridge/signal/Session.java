package dev.drawbridge.signal;

import dev.drawbridge.bus.Attachment;
import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.Peer;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One stream of a peer on this node, and what the node holds for the peer around it: the
 * subscription, the registration, and the resume grace after the stream ended.
 *
 * <p>A session's life: {@link State#OPENING} (subscribe, register, attach), {@link State#LIVE}
 * (its stream gets the peer's events), then {@link State#GRACE} once its stream dropped (still
 * registered and in its rooms, unsubscribed: what is sent to the peer waits in its history), then
 * {@link State#ENDING} when the grace ran out (unregister, tell the rooms) and {@link State#GONE}.
 * A session goes straight to GONE when a newer stream of the peer took over: a newer session on
 * this node ({@link #supersede}), or a takeover from another node received on the subscription.
 *
 * <p>The cut: the attachment names the last event of the history when the stream attached
 * ({@code at}). Events up to it reach the stream through the replay (or were the older stream's);
 * live events after it through the subscription, which was made before the attach. Live events
 * received before the attachment's answer are held, then those up to {@code at} are dropped: no
 * loss and no duplicate in the hand-over.
 */
final class Session {
    enum State { OPENING, LIVE, GRACE, ENDING, GONE }

    /** What the stream's end asks of the node. */
    enum AfterClose { NOTHING, GRACE, END }

    private final Peer peer;
    private final String name;
    private final Stream stream;
    private State state = State.OPENING;
    private boolean streamEnded;
    private boolean endAtOnce;
    private Bus.Subscription subscription;
    private Future<Void> opening = Future.succeededFuture();
    private final Promise<Void> gone = Promise.promise();
    private List<Delivery> held = new ArrayList<>();
    private EventId at;
    private long turn;
    private boolean ownTakeoverSeen;
    private long graceTimer = -1;
    // Relays of this peer being authorized by asking the shared store (Signaling#relay).
    private final AtomicInteger relaysAsked = new AtomicInteger();

    Session(Peer peer, String name, Stream stream) {
        this.peer = peer;
        this.name = name;
        this.stream = stream;
    }

    /** How many relays of this peer are being authorized by asking the shared store. */
    int relaysAsked() {
        return relaysAsked.get();
    }

    void relayAsking(int delta) {
        relaysAsked.addAndGet(delta);
    }

    Peer peer() {
        return peer;
    }

    /** This session's name: its registration's, and its stream's in the peer's takeovers. */
    String name() {
        return name;
    }

    Stream stream() {
        return stream;
    }

    /**
     * A delivery from the subscription. Answers true when it was a takeover by a newer stream on
     * another node: the session is then GONE, and the caller must close its stream and subscription.
     */
    synchronized boolean deliver(Delivery delivery) {
        if (state == State.OPENING) {
            held.add(delivery);
            return false;
        }
        if (state != State.LIVE) {
            return false;
        }
        if (handle(delivery)) {
            becomeGone();
            return true;
        }
        return false;
    }

    /**
     * The attach answered: {@code connected}, then the replay (or {@code resync} when the gap cannot
     * be filled), then what was held. Answers true when a held takeover says a newer stream took
     * over meanwhile (see {@link #deliver}).
     */
    synchronized boolean attached(Attachment attachment) {
        if (state != State.OPENING) {
            return false;
        }
        at = attachment.at();
        turn = attachment.turn();
        stream.send(new ServerEvent.Connected(peer).message());
        switch (attachment.resume()) {
            case Attachment.Resume.Replay replay ->
                    replay.events().forEach(event -> stream.send(event.id().toString(), event.message()));
            // The resync takes the id of the cut: a stream resumed from it later gets what followed.
            case Attachment.Resume.Gap gap -> stream.send(at.toString(), new ServerEvent.Resync(gap.reason()).message());
        }
        state = State.LIVE;
        List<Delivery> pending = held;
        held = null;
        for (Delivery delivery : pending) {
            if (handle(delivery)) {
                becomeGone();
                return true;
            }
        }
        return false;
    }

    /** Called with the lock held, LIVE. Answers whether a newer stream took over. */
    private boolean handle(Delivery delivery) {
        return switch (delivery) {
            case Delivery.Event event -> {
                if (!event.id().notAfter(at)) {
                    stream.send(event.id().toString(), event.message());
                }
                yield false;
            }
            case Delivery.Takeover takeover -> {
                if (takeover.stream().equals(name)) {
                    ownTakeoverSeen = true;
                    yield false;
                }
                // The channel's order says it when our own takeover came first; the turn says it
                // even if that one was lost (a subscriber connection that dropped).
                yield ownTakeoverSeen || (takeover.epoch().equals(at.epoch()) && takeover.turn() > turn);
            }
        };
    }

    /** Sends {@code resync} as the last event of a live stream, and closes it (its end is then as any drop). */
    void resync(ServerEvent.Resync resync) {
        synchronized (this) {
            if (state != State.LIVE) {
                return;
            }
            stream.send(resync.message());
        }
        stream.close();
    }

    /**
     * The stream ended. A live session goes into its grace, or ends at once when its reader was
     * abandoned or its opening failed; one still opening decides once its opening is over.
     */
    synchronized AfterClose streamClosed() {
        streamEnded = true;
        if (state != State.LIVE) {
            return AfterClose.NOTHING;
        }
        if (endAtOnce || stream.abandoned()) {
            state = State.ENDING;
            return AfterClose.END;
        }
        state = State.GRACE;
        return AfterClose.GRACE;
    }

    /** The opening failed: the stream is closed, and the session ends without a grace. */
    synchronized void openingFailed() {
        if (state == State.OPENING) {
            state = State.LIVE;
            endAtOnce = true;
        }
    }

    /** Whether the stream ended before the opening was over (then {@link #streamClosed} must be asked again). */
    synchronized boolean streamEnded() {
        return streamEnded;
    }

    synchronized void graceTimer(long timer) {
        graceTimer = timer;
    }

    /** The grace ran out: answers true when the session was still in it (and is now ending). */
    synchronized boolean graceOver() {
        if (state != State.GRACE) {
            return false;
        }
        state = State.ENDING;
        return true;
    }

    /**
     * A newer stream of the peer opened on this node. Answers what the newer session must wait
     * for before it subscribes and registers (so the two never race), and the timer to cancel.
     * The stream of a session still open gets {@code replaced} and is closed.
     */
    Future<Void> supersede(Runnable cancelGrace) {
        boolean closeStream = false;
        Future<Void> wait;
        synchronized (this) {
            switch (state) {
                case OPENING, LIVE -> {
                    closeStream = !streamEnded;
                    becomeGone();
                    wait = opening;
                }
                case GRACE -> {
                    if (graceTimer >= 0) {
                        cancelGrace.run();
                    }
                    becomeGone();
                    wait = Future.succeededFuture();
                }
                case ENDING -> wait = gone.future();
                default -> wait = Future.succeededFuture();
            }
        }
        if (closeStream) {
            stream.send(new ServerEvent.Replaced().message());
            stream.close();
        }
        return wait.transform(settled -> Future.succeededFuture());
    }

    /** The session is over (ended, or taken over): whoever waits for it may go on. */
    synchronized void becomeGone() {
        state = State.GONE;
        gone.tryComplete();
    }

    synchronized long graceTimer() {
        return graceTimer;
    }

    synchronized boolean isGone() {
        return state == State.GONE;
    }

    synchronized void opening(Future<Void> opening) {
        this.opening = opening;
    }

    /** Completes when the session's opening (subscribe, register, attach) is over, either way. */
    synchronized Future<Void> opening() {
        return opening;
    }

    /**
     * Whether the peer is registered by this session: its opening succeeded and it has not ended,
     * whether its stream is live or in its grace.
     */
    synchronized boolean isOpen() {
        return (state == State.LIVE && !endAtOnce) || state == State.GRACE;
    }

    synchronized State state() {
        return state;
    }

    synchronized void subscribed(Bus.Subscription subscription) {
        this.subscription = subscription;
    }

    synchronized Bus.Subscription subscription() {
        return subscription;
    }
}
