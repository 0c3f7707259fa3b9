package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import dev.drawbridge.signal.Stream;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;

/**
 * A Server-Sent-Events response as a {@link Stream}. It pings itself, and it protects the node from
 * a browser that stops reading: its outbound buffer is bounded, and a stream whose buffer fills is
 * closed rather than allowed to grow the heap.
 */
final class SseStream implements Stream {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);
    private static final long CLOSE_GRACE_MILLIS = 5_000;
    private static final Buffer PING = Buffer.buffer("event: ping\ndata: {}\n\n");

    private final Vertx vertx;
    private final HttpServerResponse response;
    private final HttpConnection connection;
    private final StreamMetrics metrics;
    private final String peerId;
    private final List<Runnable> closeHandlers = new ArrayList<>(1);
    private long pingTimer = -1;
    private boolean closed;
    private boolean overflowing;

    SseStream(Vertx vertx, HttpServerResponse response, HttpConnection connection, StreamMetrics metrics,
              String peerId) {
        this.vertx = vertx;
        this.response = response;
        this.connection = connection;
        this.metrics = metrics;
        this.peerId = peerId;
    }

    /** Writes the headers and starts pinging every {@code pingMillis}. */
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
        write(Buffer.buffer("retry: 2000\n\n"));
        metrics.opened();
        pingTimer = vertx.setPeriodic(pingMillis, timer -> write(PING.copy()));
    }

    @Override
    public void send(long id, Message message) {
        write(frame(id, message));
    }

    @Override
    public void send(Message message) {
        write(frame(-1, message));
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
        }
        // The last events go out first; a browser that does not take them in time is cut off.
        long cutOff = vertx.setTimer(CLOSE_GRACE_MILLIS, timer -> connection.close());
        response.end().onComplete(ended -> {
            vertx.cancelTimer(cutOff);
            connection.close();
        });
        ended();
    }

    @Override
    public void onClose(Runnable handler) {
        boolean runNow;
        synchronized (this) {
            runNow = closed;
            if (!closed) {
                closeHandlers.add(handler);
            }
        }
        if (runNow) {
            handler.run();
        }
    }

    /** The SSE framing: an optional id, the event name, and one data line, encoded straight into one buffer. */
    static Buffer frame(long id, Message message) {
        Buffer frame = Buffer.buffer(32 + message.event().length() + message.data().length());
        if (id > 0) {
            frame.appendString("id: ").appendString(Long.toString(id)).appendByte((byte) '\n');
        }
        return frame.appendString("event: ").appendString(message.event())
                .appendString("\ndata: ").appendString(message.data()).appendString("\n\n");
    }

    private void write(Buffer frame) {
        boolean overflowed;
        synchronized (this) {
            if (closed) {
                return;
            }
            response.write(frame);
            overflowed = !overflowing && response.writeQueueFull();
            overflowing |= overflowed;
        }
        if (overflowed) {
            // Outside the lock: ending runs the domain's close handlers, which take their own locks.
            metrics.slowClosed();
            log.warn("closing the stream of {}: it stopped reading and its buffer is full", peerId);
            connection.close();
            ended();
        }
    }

    /** Runs once, whichever side ended the stream. */
    private void ended() {
        List<Runnable> handlers;
        synchronized (this) {
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
