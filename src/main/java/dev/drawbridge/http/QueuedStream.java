package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import dev.drawbridge.signal.Stream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@link Stream} over one connection, whatever its framing (an SSE response, a WebSocket). It pings
 * itself, and it protects the node from a browser that stops reading: its outbound buffer is bounded,
 * and a stream whose buffer fills is cut off rather than allowed to grow the heap.
 *
 * <p>Events may be sent from any thread (a relay arrives on any event loop, a delivery from Redis on
 * the subscriber's); each is framed there and put in the stream's outbox, which the stream's own
 * event loop empties in order, several frames a turn when they come in a burst. Writing only from
 * that loop is also what makes "the buffer is full" mean bytes the browser has not taken: a write
 * from another thread would go through Vert.x's hand-over queue, which counts messages, and a burst
 * of small events would look like a stalled reader.
 *
 * @param <F> a frame as the transport writes it
 */
abstract class QueuedStream<F> implements Stream {
    private static final Logger log = LoggerFactory.getLogger(QueuedStream.class);
    private static final long CLOSE_GRACE_MILLIS = 5_000;
    /** In the outbox: end the stream once what was sent before it is written. */
    private static final Object CLOSE = new Object();

    final Vertx vertx;
    private final Context context;
    private final Thread loop;
    private final StreamMetrics metrics;
    final String peerId;
    private final List<Runnable> closeHandlers = new ArrayList<>(1);
    private final Queue<Object> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private long pingTimer = -1;
    // Written on the stream's event loop only; read anywhere.
    private volatile boolean closed;
    private volatile boolean abandoned;

    /** Made on the event loop of the connection, which becomes the stream's. */
    QueuedStream(Vertx vertx, StreamMetrics metrics, String peerId) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.loop = Thread.currentThread();
        this.metrics = metrics;
        this.peerId = peerId;
    }

    /** The frame of an event, with its id (null: none). Called on any thread. */
    abstract F frame(String id, Message message);

    /** A fresh ping frame. */
    abstract F ping();

    /** Writes a frame; on the stream's loop, while open. */
    abstract void writeFrame(F frame);

    /** Whether the connection's outbound buffer holds as much as it may. */
    abstract boolean writeQueueFull();

    /** Ends the stream in order once what was written is sent; completes when it is. */
    abstract Future<Void> end();

    /** Closes the connection at once. */
    abstract void cut();

    /** Counts the stream as open and starts pinging every {@code pingMillis}. Call on the stream's loop. */
    final void opened(long pingMillis) {
        metrics.opened();
        pingTimer = vertx.setPeriodic(pingMillis, timer -> post(ping()));
    }

    @Override
    public final void send(String id, Message message) {
        post(frame(id, message));
    }

    @Override
    public final void send(Message message) {
        post(frame(null, message));
    }

    @Override
    public final boolean abandoned() {
        return abandoned;
    }

    @Override
    public final void close() {
        post(CLOSE);
    }

    @Override
    public final void onClose(Runnable handler) {
        boolean runNow;
        synchronized (closeHandlers) {
            runNow = closed;
            if (!runNow) {
                closeHandlers.add(handler);
            }
        }
        if (runNow) {
            handler.run();
        }
    }

    final boolean isClosed() {
        return closed;
    }

    /**
     * Puts a frame in the outbox; on the stream's loop it is written at once, after any before it.
     * "On the stream's loop" is a matter of thread, not of context: a delivery read from Redis on
     * this loop's subscriber connection runs in that connection's context, on the same thread.
     */
    final void post(Object frame) {
        outbox.add(frame);
        if (Thread.currentThread() == loop) {
            drain();
        } else if (drainScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                drainScheduled.set(false);
                drain();
            });
        }
    }

    /** On the stream's loop only. */
    @SuppressWarnings("unchecked")
    private void drain() {
        for (Object frame = outbox.poll(); frame != null; frame = outbox.poll()) {
            if (frame == CLOSE) {
                closeNow();
            } else {
                write((F) frame);
            }
        }
    }

    /** On the stream's loop only. */
    private void write(F frame) {
        if (closed) {
            return;
        }
        writeFrame(frame);
        if (writeQueueFull()) {
            metrics.slowClosed();
            abandoned = true;
            log.warn("closing the stream of {}: it stopped reading and its buffer is full", peerId);
            cut();
            ended();
        }
    }

    /** On the stream's loop only. */
    private void closeNow() {
        if (closed) {
            return;
        }
        // The last events go out first; a browser that does not take them in time is cut off.
        long cutOff = vertx.setTimer(CLOSE_GRACE_MILLIS, timer -> cut());
        end().onComplete(done -> {
            vertx.cancelTimer(cutOff);
            cut();
        });
        ended();
    }

    /** Runs once, whichever side ended the stream; on the stream's loop. */
    final void ended() {
        List<Runnable> handlers;
        synchronized (closeHandlers) {
            if (closed) {
                return;
            }
            closed = true;
            handlers = List.copyOf(closeHandlers);
            closeHandlers.clear();
        }
        vertx.cancelTimer(pingTimer);
        metrics.closed();
        handlers.forEach(Runnable::run);
    }
}
