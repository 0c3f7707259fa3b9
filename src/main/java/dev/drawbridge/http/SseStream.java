package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import dev.drawbridge.signal.Stream;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A Server-Sent-Events response as a {@link Stream}. It pings itself, and it protects the node from
 * a browser that stops reading: its outbound buffer is bounded, and a stream whose buffer fills is
 * closed rather than allowed to grow the heap.
 *
 * <p>Events may be sent from any thread (a relay arrives on any event loop, a delivery from Redis on
 * the subscriber's); each is framed there and put in the stream's outbox, which the stream's own
 * event loop empties in order, several frames a turn when they come in a burst. Writing only from
 * that loop is also what makes "the buffer is full" mean bytes the browser has not taken: a write
 * from another thread would go through Vert.x's hand-over queue, which counts messages, and a burst
 * of small events would look like a stalled reader.
 */
final class SseStream implements Stream {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);
    private static final long CLOSE_GRACE_MILLIS = 5_000;
    private static final Buffer PING = Buffer.buffer("event: ping\ndata: {}\n\n");
    /** In the outbox: end the stream once what was sent before it is written. */
    private static final Buffer CLOSE = Buffer.buffer();

    private final Vertx vertx;
    private final Context context;
    private final Thread loop;
    private final HttpServerResponse response;
    private final HttpConnection connection;
    private final StreamMetrics metrics;
    private final String peerId;
    private final List<Runnable> closeHandlers = new ArrayList<>(1);
    private final Queue<Buffer> outbox = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean drainScheduled = new AtomicBoolean();
    private long pingTimer = -1;
    // Written on the stream's event loop only; read anywhere.
    private volatile boolean closed;
    private volatile boolean abandoned;

    /** Made on the event loop of the request, which becomes the stream's. */
    SseStream(Vertx vertx, HttpServerResponse response, HttpConnection connection, StreamMetrics metrics,
              String peerId) {
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.loop = Thread.currentThread();
        this.response = response;
        this.connection = connection;
        this.metrics = metrics;
        this.peerId = peerId;
    }

    /** Writes the headers and starts pinging every {@code pingMillis}. Call on the stream's loop. */
    void start(long pingMillis, int bufferBytes) {
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache")
                .putHeader("X-Accel-Buffering", "no")
                .setWriteQueueMaxSize(bufferBytes);
        response.closeHandler(closed -> ended());
        response.exceptionHandler(failure -> log.debug("stream of {} failed: {}", peerId, failure.toString()));
        // A short retry delay, so that a browser whose stream dropped is back within its resume grace.
        post(Buffer.buffer("retry: 2000\n\n"));
        metrics.opened();
        pingTimer = vertx.setPeriodic(pingMillis, timer -> post(PING.copy()));
    }

    @Override
    public void send(String id, Message message) {
        post(frame(id, message));
    }

    @Override
    public void send(Message message) {
        post(frame(null, message));
    }

    @Override
    public boolean abandoned() {
        return abandoned;
    }

    @Override
    public void retry(long millis) {
        post(Buffer.buffer("retry: " + millis + "\n\n"));
    }

    @Override
    public void close() {
        post(CLOSE);
    }

    @Override
    public void onClose(Runnable handler) {
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

    /** The SSE framing: an id (null: none), the event name, and one data line, encoded straight into one buffer. */
    static Buffer frame(String id, Message message) {
        Buffer frame = Buffer.buffer(48 + message.event().length() + message.data().length());
        if (id != null) {
            frame.appendString("id: ").appendString(id).appendByte((byte) '\n');
        }
        return frame.appendString("event: ").appendString(message.event())
                .appendString("\ndata: ").appendString(message.data()).appendString("\n\n");
    }

    /**
     * Puts a frame in the outbox; on the stream's loop it is written at once, after any before it.
     * "On the stream's loop" is a matter of thread, not of context: a delivery read from Redis on
     * this loop's subscriber connection runs in that connection's context, on the same thread.
     */
    private void post(Buffer frame) {
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
    private void drain() {
        for (Buffer frame = outbox.poll(); frame != null; frame = outbox.poll()) {
            if (frame == CLOSE) {
                closeNow();
            } else {
                write(frame);
            }
        }
    }

    /** On the stream's loop only. */
    private void write(Buffer frame) {
        if (closed) {
            return;
        }
        response.write(frame);
        if (response.writeQueueFull()) {
            metrics.slowClosed();
            abandoned = true;
            log.warn("closing the stream of {}: it stopped reading and its buffer is full", peerId);
            connection.close();
            ended();
        }
    }

    /** On the stream's loop only. */
    private void closeNow() {
        if (closed) {
            return;
        }
        // The last events go out first; a browser that does not take them in time is cut off.
        long cutOff = vertx.setTimer(CLOSE_GRACE_MILLIS, timer -> connection.close());
        response.end().onComplete(done -> {
            vertx.cancelTimer(cutOff);
            connection.close();
        });
        ended();
    }

    /** Runs once, whichever side ended the stream; on the stream's loop. */
    private void ended() {
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
