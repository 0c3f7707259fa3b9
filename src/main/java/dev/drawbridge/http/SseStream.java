package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A Server-Sent-Events response as a {@link QueuedStream}: the stream of {@code GET /connect}. */
final class SseStream extends QueuedStream<Buffer> {
    private static final Logger log = LoggerFactory.getLogger(SseStream.class);
    private static final Buffer PING = Buffer.buffer("event: ping\ndata: {}\n\n");

    private final HttpServerResponse response;
    private final HttpConnection connection;

    /** Made on the event loop of the request, which becomes the stream's. */
    SseStream(Vertx vertx, HttpServerResponse response, HttpConnection connection, StreamMetrics metrics,
              String peerId) {
        super(vertx, metrics, peerId);
        this.response = response;
        this.connection = connection;
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
        opened(pingMillis);
    }

    @Override
    public void retry(long millis) {
        post(Buffer.buffer("retry: " + millis + "\n\n"));
    }

    @Override
    Buffer frame(String id, Message message) {
        return frameOf(id, message);
    }

    /** The SSE framing: an id (null: none), the event name, and one data line, encoded straight into one buffer. */
    static Buffer frameOf(String id, Message message) {
        Buffer frame = Buffer.buffer(48 + message.event().length() + message.data().length());
        if (id != null) {
            frame.appendString("id: ").appendString(id).appendByte((byte) '\n');
        }
        return frame.appendString("event: ").appendString(message.event())
                .appendString("\ndata: ").appendString(message.data()).appendString("\n\n");
    }

    @Override
    Buffer ping() {
        return PING.copy();
    }

    @Override
    void writeFrame(Buffer frame) {
        response.write(frame);
    }

    @Override
    boolean writeQueueFull() {
        return response.writeQueueFull();
    }

    @Override
    Future<Void> end() {
        return response.end();
    }

    @Override
    void cut() {
        connection.close();
    }
}
