package dev.drawbridge.signal;

import dev.drawbridge.bus.Bus;
import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import io.vertx.core.Future;
import io.vertx.core.Promise;

/**
 * A peer connected to this node: its current stream and the sequence of events it was sent. A newer
 * stream of the same peer takes over the session; the sequence goes on across streams.
 *
 * <p>A session's life: opening (subscribe, register), open, then ending (unsubscribe, unregister,
 * tell the rooms) once its stream closes. A new session of the same peer starts only after the
 * previous one has ended, so the two never race in the shared registry.
 */
final class Session {
    private final Peer peer;
    private Stream stream;
    private long sequence;
    private Bus.Subscription subscription;
    private Future<Void> opening = Future.succeededFuture();
    private boolean open;
    private Promise<Void> ending;

    Session(Peer peer, Stream stream) {
        this.peer = peer;
        this.stream = stream;
    }

    Peer peer() {
        return peer;
    }

    /** Numbers the message and writes it to the current stream. */
    synchronized void deliver(Message message) {
        if (ending == null) {
            stream.send(++sequence, message);
        }
    }

    /** Sends {@code resync} as the last event of the current stream, and closes it. */
    void resync(Message resync) {
        Stream current;
        synchronized (this) {
            if (ending != null) {
                return;
            }
            current = stream;
            current.send(++sequence, resync);
        }
        current.close();
    }

    /** Puts {@code next} in place of the current stream; answers the stream it replaced. */
    synchronized Stream replace(Stream next) {
        Stream previous = stream;
        stream = next;
        return previous;
    }

    /** The session's stream, or null once it is ending. */
    synchronized Stream currentStream() {
        return ending == null ? stream : null;
    }

    synchronized boolean isCurrent(Stream candidate) {
        return ending == null && stream == candidate;
    }

    /**
     * Starts the end of the session if {@code closed} is still its stream: answers the promise to
     * complete once the session has ended, or null when another stream took over or it is ending.
     */
    synchronized Promise<Void> endIfCurrent(Stream closed) {
        if (ending != null || stream != closed) {
            return null;
        }
        ending = Promise.promise();
        return ending;
    }

    synchronized boolean ending() {
        return ending != null;
    }

    /** Completes once the session has ended; a session that is not ending completes never. */
    synchronized Future<Void> ended() {
        return ending == null ? Promise.<Void>promise().future() : ending.future();
    }

    synchronized void opening(Future<Void> opening) {
        this.opening = opening;
    }

    /** Completes when the session's subscription and registration were made, or failed. */
    synchronized Future<Void> opening() {
        return opening;
    }

    /** The opening succeeded: the peer is subscribed and registered, by this node's own doing. */
    synchronized void opened() {
        open = true;
    }

    /**
     * Whether the session is open: its opening succeeded and it is not ending. An open session's
     * peer is registered (this node registered it, and unregisters it only when the session ends).
     */
    synchronized boolean isOpen() {
        return open && ending == null;
    }

    synchronized void subscribed(Bus.Subscription subscription) {
        this.subscription = subscription;
    }

    synchronized Bus.Subscription subscription() {
        return subscription;
    }
}
