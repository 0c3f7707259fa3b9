package dev.drawbridge.signal;

import dev.drawbridge.bus.Attachment;
import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.BusUnavailableException;
import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.bus.Rooms;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import dev.drawbridge.bus.Delivery;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The signaling domain of one node: the sessions it holds, and join, leave and relay as PROTOCOL.md
 * describes them. It speaks to the rest of the cluster only through {@link Bus} and {@link Rooms}.
 */
public final class Signaling {
    private static final Logger log = LoggerFactory.getLogger(Signaling.class);
    private static final SecureRandom RANDOM = new SecureRandom();
    /** A stream that could not open for want of the bus is told to come back after this, plus up to as much again. */
    private static final long UNAVAILABLE_RETRY_MILLIS = 1_000;
    static final int MAX_ENDINGS_AT_ONCE = 64;

    private final Bus bus;
    private final Rooms rooms;
    private final Vertx vertx;
    private final int maxRoomSize;
    private final Duration grace;
    private final Map<String, Session> sessions = new ConcurrentHashMap<>();
    // When thousands of streams end at once (a proxy restarts), their clean-ups take turns rather
    // than flood the shared store with commands it would refuse.
    private final Throttle endings = new Throttle(MAX_ENDINGS_AT_ONCE);
    private final Counter relaysAccepted;
    private final Counter relaysRefused;
    private final Counter joins;
    private final Counter joinsFull;
    private final Counter resumed;
    private final Counter resynced;
    private final Counter takenOver;
    private final Timer relayLatency;
    private volatile boolean stopped;

    /**
     * @param grace how long a peer whose stream ended stays registered and in its rooms, waiting for
     *              a stream that resumes it (on any node); zero ends its session at once
     */
    public Signaling(Bus bus, Rooms rooms, Vertx vertx, int maxRoomSize, Duration grace, MeterRegistry metrics) {
        this.bus = bus;
        this.rooms = rooms;
        this.vertx = vertx;
        this.maxRoomSize = maxRoomSize;
        this.grace = grace;
        this.relaysAccepted = metrics.counter("drawbridge.relays", "outcome", "accepted");
        this.relaysRefused = metrics.counter("drawbridge.relays", "outcome", "unknown_peer");
        this.joins = metrics.counter("drawbridge.joins", "outcome", "joined");
        this.joinsFull = metrics.counter("drawbridge.joins", "outcome", "room_full");
        this.resumed = metrics.counter("drawbridge.streams.resumed", "outcome", "replayed");
        this.resynced = metrics.counter("drawbridge.streams.resumed", "outcome", "resync");
        this.takenOver = metrics.counter("drawbridge.streams.taken.over");
        // Buckets from 100 µs to 10 s (about 70 of them): Prometheus' histogram_quantile gives any
        // percentile, of one node or summed across nodes (client-side quantiles could not be summed).
        this.relayLatency = Timer.builder("drawbridge.relay.latency")
                .description("from a relay accepted (POST /relay) to its event written on the target's stream, "
                        + "when both are on this node")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(100_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(metrics);
        metrics.gaugeMapSize("drawbridge.sessions", List.of(), sessions);
        rooms.onEvicted(eviction ->
                tell(eviction.remaining(), new ServerEvent.RemovePeer(eviction.peer(), eviction.roomId())));
    }

    public int maxRoomSize() {
        return maxRoomSize;
    }

    /** {@link #open(Peer, Stream, Optional)} of a stream that resumes nothing. */
    public Future<Void> open(Peer peer, Stream stream) {
        return open(peer, stream, Optional.empty());
    }

    /**
     * A peer opened a stream on this node, resuming after {@code lastEventId} when given. The
     * stream subscribes, registers and attaches (see {@link Bus#attach}), then gets
     * {@code connected}, the events after {@code lastEventId} (or {@code resync} when they are not
     * all there any more), and the live events: whatever the peer does on seeing {@code connected},
     * nothing sent to it is lost. It becomes the peer's only live stream in the cluster: an older
     * one here gets {@code replaced} at once, one on another node when the attach's takeover
     * reaches it.
     */
    public Future<Void> open(Peer peer, Stream stream, Optional<EventId> lastEventId) {
        Session fresh = new Session(peer, newSessionName(), stream);
        Session previous = sessions.put(peer.id(), fresh);
        Future<Void> before = previous == null ? Future.succeededFuture()
                : previous.supersede(() -> vertx.cancelTimer(previous.graceTimer()));
        stream.onClose(() -> closed(fresh));
        Future<Void> opening = before
                .compose(ready -> stillOpening(fresh, bus.subscribe(peer.id(), delivery -> {
                    if (fresh.deliver(delivery)) {
                        takenOver(fresh);
                    }
                    if (delivery instanceof Delivery.Event event && event.message().acceptedNanos() != 0) {
                        relayLatency.record(System.nanoTime() - event.message().acceptedNanos(), TimeUnit.NANOSECONDS);
                    }
                })))
                .compose(subscription -> {
                    fresh.subscribed(subscription);
                    return stillOpening(fresh, rooms.register(peer, fresh.name()));
                })
                .compose(registered -> stillOpening(fresh, bus.attach(peer.id(), fresh.name(), lastEventId)))
                .map(attachment -> {
                    if (lastEventId.isPresent()) {
                        (attachment.resume() instanceof Attachment.Resume.Gap ? resynced : resumed).increment();
                    }
                    if (fresh.attached(attachment)) {
                        takenOver(fresh);
                    }
                    return (Void) null;
                });
        fresh.opening(opening.transform(done -> Future.succeededFuture()));
        opening.onComplete(done -> {
            if (done.failed() && !fresh.isGone()) {
                log.warn("could not open a session for {}: {}", peer.id(), done.cause().toString());
                fresh.openingFailed();
                if (done.cause() instanceof BusUnavailableException) {
                    // EventSource reconnects by itself once the stream ends; this says when, and why.
                    long after = UNAVAILABLE_RETRY_MILLIS + RANDOM.nextLong(UNAVAILABLE_RETRY_MILLIS);
                    stream.retry(after);
                    stream.send(new ServerEvent.Unavailable(after).message());
                }
                stream.close();
            }
            if (fresh.streamEnded()) {
                closed(fresh);
            }
        });
        return opening.recover(t -> fresh.isGone() ? Future.succeededFuture() : Future.failedFuture(t));
    }

    /** {@code step}, unless a newer stream took the session over meanwhile: then the opening stops there. */
    private static <T> Future<T> stillOpening(Session session, Future<T> step) {
        return step.compose(value -> session.isGone()
                ? Future.failedFuture(new IllegalStateException("taken over while opening"))
                : Future.succeededFuture(value));
    }

    /**
     * A newer stream of the peer attached on another node: this one gets {@code replaced} and is
     * closed, and the session is over here without unregistering (the peer's registration is the
     * newer session's now).
     */
    private void takenOver(Session session) {
        takenOver.increment();
        sessions.remove(session.peer().id(), session);
        session.stream().send(new ServerEvent.Replaced().message());
        session.stream().close();
        Bus.Subscription subscription = session.subscription();
        if (subscription != null) {
            subscription.close();
        }
    }

    /**
     * Adds the peer to the room. It gets {@code add-peer} with {@code offer: true} for every member
     * already there, and each of them gets {@code add-peer} with {@code offer: false} for it.
     */
    public Future<JoinResult> join(Peer peer, String roomId) {
        return isConnected(peer.id()).compose(connected -> {
            if (!connected) {
                return Future.succeededFuture(new JoinResult.NotConnected());
            }
            return rooms.join(roomId, peer, maxRoomSize).compose(join -> switch (join) {
                case Rooms.Join.Joined joined -> {
                    joins.increment();
                    yield announce(peer, roomId, joined.others())
                            .map(new JoinResult.Joined(joined.others()));
                }
                case Rooms.Join.AlreadyMember already -> Future.succeededFuture(new JoinResult.AlreadyMember());
                case Rooms.Join.Full full -> {
                    joinsFull.increment();
                    yield Future.succeededFuture(new JoinResult.RoomFull(full.maxSize()));
                }
            });
        });
    }

    /**
     * Whether the peer has an open stream on any node. A session open here answers without asking
     * the shared registry (a round trip saved on every join): this node registered it, and
     * unregisters it only once the session is ending. Any other peer, whose stream may be on
     * another node than the one its POST reached, is looked up.
     */
    private Future<Boolean> isConnected(String peerId) {
        Session session = sessions.get(peerId);
        if (session != null && session.isOpen()) {
            return Future.succeededFuture(true);
        }
        return rooms.isRegistered(peerId);
    }

    /** Removes the peer from the room and tells the members left; answers whether it was a member. */
    public Future<Boolean> leave(Peer peer, String roomId) {
        return rooms.leave(roomId, peer.id()).compose(remaining -> {
            if (remaining.isEmpty()) {
                return Future.succeededFuture(false);
            }
            return tell(remaining.get(), new ServerEvent.RemovePeer(peer, roomId)).map(true);
        });
    }

    /**
     * Passes a client's event to a room-mate, with the sender named from its token. {@code body} must
     * already be valid JSON.
     *
     * <p>When this node holds the sender's stream and knows its rooms ({@link Rooms#knownRooms}),
     * the relay is one delivery that checks the target's side in its own step
     * ({@link Bus#deliverIfMember}); when that refuses, or nothing is known, the two sides are asked
     * ({@link Rooms#shareRoom}) and the answer is as it always was. A sender's relays keep their
     * order: while one of them is being asked about, the next ones are asked about too.
     */
    public Future<RelayResult> relay(Peer sender, String targetId, String event, String body) {
        long accepted = System.nanoTime();
        Message message = new ServerEvent.Relayed(event, sender, body).message().acceptedAt(accepted);
        Session session = sessions.get(sender.id());
        Set<String> known = session == null || session.relaysAsked() > 0 ? Set.of() : rooms.knownRooms(sender.id());
        if (known.isEmpty()) {
            return askedRelay(session, sender, targetId, message);
        }
        return bus.deliverIfMember(targetId, known, message).compose(delivered -> {
            if (!delivered) {
                return askedRelay(session, sender, targetId, message);
            }
            relaysAccepted.increment();
            return Future.succeededFuture(RelayResult.ACCEPTED);
        });
    }

    /** A relay authorized by asking whether the two peers share a room; {@code session} is the sender's here, if any. */
    private Future<RelayResult> askedRelay(Session session, Peer sender, String targetId, Message message) {
        if (session != null) {
            session.relayAsking(1);
        }
        return rooms.shareRoom(sender.id(), targetId).transform(shared -> {
            Future<RelayResult> result;
            if (shared.failed()) {
                result = Future.failedFuture(shared.cause());
            } else if (!shared.result()) {
                relaysRefused.increment();
                result = Future.succeededFuture(RelayResult.UNKNOWN_PEER);
            } else {
                result = bus.deliver(targetId, message).map(delivered -> {
                    relaysAccepted.increment();
                    return RelayResult.ACCEPTED;
                });
            }
            // The delivery is on its way (sent on this thread's connection): a later relay of
            // the sender, sent after it, arrives after it.
            if (session != null) {
                session.relayAsking(-1);
            }
            return result;
        });
    }

    /**
     * Passes a client's event to every other member of a room the sender is in, once each, with the
     * sender named from its token; the sender itself gets nothing. The members are those of the
     * room when it was read (see {@link Rooms#othersIn}). Per sender and target, broadcasts and
     * relays arrive in the order they were accepted. {@code body} must already be valid JSON.
     */
    public Future<BroadcastResult> broadcast(Peer sender, String roomId, String event, String body) {
        long accepted = System.nanoTime();
        return rooms.othersIn(roomId, sender.id()).compose(others -> {
            if (others.isEmpty()) {
                relaysRefused.increment();
                return Future.succeededFuture(new BroadcastResult.NotAMember());
            }
            List<Peer> targets = others.get();
            Message message = new ServerEvent.Relayed(event, sender, body).message().acceptedAt(accepted);
            List<Future<Void>> sent = new ArrayList<>(targets.size());
            for (Peer target : targets) {
                sent.add(bus.deliver(target.id(), message));
            }
            return Future.all(sent).map(delivered -> {
                relaysAccepted.increment(targets.size());
                return (BroadcastResult) new BroadcastResult.Sent(targets.size());
            });
        });
    }

    /**
     * The shared registry lost this node's peers' memberships (their rooms were told they left):
     * every stream here gets {@code resync} and is closed, so that its browser reconnects, is
     * registered afresh and joins its rooms again.
     */
    public void resyncAll(String reason) {
        log.warn("resyncing {} streams: {}", sessions.size(), reason);
        ServerEvent.Resync resync = new ServerEvent.Resync(reason);
        sessions.values().forEach(session -> session.resync(resync));
    }

    /** How many peers hold a session on this node. */
    public int sessionCount() {
        return sessions.size();
    }

    private Future<Void> announce(Peer joiner, String roomId, List<Peer> others) {
        List<Future<Void>> sent = new ArrayList<>(others.size() * 2);
        for (Peer other : others) {
            sent.add(bus.deliver(other.id(), new ServerEvent.AddPeer(joiner, roomId, false).message()));
            sent.add(bus.deliver(joiner.id(), new ServerEvent.AddPeer(other, roomId, true).message()));
        }
        return Future.all(sent).mapEmpty();
    }

    private Future<Void> tell(List<Peer> peers, ServerEvent event) {
        if (peers.isEmpty()) {
            return Future.succeededFuture();
        }
        Message message = event.message();
        List<Future<Void>> sent = new ArrayList<>(peers.size());
        for (Peer peer : peers) {
            sent.add(bus.deliver(peer.id(), message));
        }
        return Future.all(sent).mapEmpty();
    }

    /**
     * The node is stopping: streams that end from now on leave their sessions as they are, neither
     * waiting out a grace here nor unregistering. Their peers resume on another node within the
     * grace, or survivors reap them once this node's lease lapsed (embedded: the process ends).
     */
    public void stop() {
        stopped = true;
    }

    /**
     * The streams of this node's live sessions, e.g. for a drain to send each a last event and close
     * it: a stream closed that way leaves its session in its resume grace, like any drop.
     */
    public List<Stream> liveStreams() {
        return sessions.values().stream().filter(s -> s.state() == Session.State.LIVE).map(Session::stream).toList();
    }

    /** How many of this node's sessions wait in their resume grace (their stream ended). */
    public long sessionsInGrace() {
        return sessions.values().stream().filter(s -> s.state() == Session.State.GRACE).count();
    }

    /**
     * A stream ended. Unless a newer stream took over, the session waits out its grace (or ends at
     * once, for a reader that stopped reading); the opening, if still at work, decides when over.
     */
    private void closed(Session session) {
        if (stopped) {
            return;
        }
        switch (session.streamClosed()) {
            case NOTHING -> { }
            case END -> end(session);
            case GRACE -> {
                Bus.Subscription subscription = session.subscription();
                if (subscription != null) {
                    // What comes for the peer meanwhile waits in its history.
                    subscription.close();
                }
                if (grace.isZero()) {
                    if (session.graceOver()) {
                        end(session);
                    }
                } else {
                    session.graceTimer(vertx.setTimer(grace.toMillis(), timer -> {
                        if (!stopped && session.graceOver()) {
                            end(session);
                        }
                    }));
                }
            }
        }
    }

    /**
     * The session is over for good: unregisters it (unless a newer session of the peer, anywhere,
     * registered since), and tells the members of its rooms. Takes turns with the other endings.
     */
    private void end(Session session) {
        Peer peer = session.peer();
        endings.run(() -> session.opening()
                .compose(opened -> {
                    Bus.Subscription subscription = session.subscription();
                    return subscription == null ? Future.<Void>succeededFuture() : subscription.close();
                })
                .compose(unsubscribed -> rooms.unregister(peer.id(), session.name()))
                .compose(left -> {
                    List<Future<Void>> told = new ArrayList<>(left.size());
                    left.forEach((roomId, remaining) ->
                            told.add(tell(remaining, new ServerEvent.RemovePeer(peer, roomId))));
                    return Future.all(told).<Void>mapEmpty();
                })
                .andThen(done -> {
                    if (done.failed()) {
                        log.warn("could not end the session of {}: {}", peer.id(), done.cause().toString());
                    }
                    sessions.remove(peer.id(), session);
                    session.becomeGone();
                }));
    }

    /** A name no other session of the peer, on any node, takes. */
    private static String newSessionName() {
        byte[] bytes = new byte[9];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
