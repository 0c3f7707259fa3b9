package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.ServerWebSocket;

/**
 * The server's half of a WebSocket as a {@link QueuedStream}: each event is one text message,
 * {@code {"event", "id", "data"}} (docs/WEBSOCKET.md), and a browser that stops reading is cut off
 * like one that stops reading its event stream.
 */
final class WsStream extends QueuedStream<String> {
    private static final String PING = "{\"event\":\"ping\",\"data\":{}}";
    /** The close code of a stream the server ended in order (a drain, a takeover): normal closure. */
    private static final short NORMAL = 1000;

    private final ServerWebSocket socket;
    private final HttpConnection connection;

    /** Made on the socket's event loop, which becomes the stream's. */
    WsStream(Vertx vertx, ServerWebSocket socket, HttpConnection connection, StreamMetrics metrics, String peerId) {
        super(vertx, metrics, peerId);
        this.socket = socket;
        this.connection = connection;
    }

    /** Starts pinging every {@code pingMillis}; call on the socket's loop, before any event is sent. */
    void start(long pingMillis, int bufferBytes) {
        socket.setWriteQueueMaxSize(bufferBytes);
        socket.closeHandler(closed -> ended());
        opened(pingMillis);
    }

    @Override
    String frame(String id, Message message) {
        return frameOf(id, message);
    }

    /** One event as one JSON text: the data is already one JSON value, so it goes in as it is. */
    static String frameOf(String id, Message message) {
        StringBuilder frame = new StringBuilder(40 + message.event().length() + message.data().length())
                .append("{\"event\":\"").append(message.event()).append('"');
        if (id != null) {
            // Ids (<epoch>-<n>, base64url and digits) and event names need no escaping.
            frame.append(",\"id\":\"").append(id).append('"');
        }
        return frame.append(",\"data\":").append(message.data()).append('}').toString();
    }

    @Override
    String ping() {
        return PING;
    }

    /**
     * Once a close frame has gone either way the socket takes nothing more, until its close handler
     * ends the stream: an event delivered meanwhile is dropped (the peer resumes from the last id it
     * got, docs/WEBSOCKET.md), never a failure.
     */
    @Override
    void writeFrame(String frame) {
        if (!socket.isClosed()) {
            socket.writeTextMessage(frame);
        }
    }

    @Override
    boolean writeQueueFull() {
        return !socket.isClosed() && socket.writeQueueFull();
    }

    @Override
    Future<Void> end() {
        return socket.close(NORMAL);
    }

    @Override
    void cut() {
        connection.close();
    }

    /** Sends one text outside the event sequence (an acknowledgement), after what was sent before it. */
    void answer(String text) {
        post(text);
    }
}
