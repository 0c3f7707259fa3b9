package dev.drawbridge.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.drawbridge.auth.Tokens;
import dev.drawbridge.bus.EventId;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.signal.Signaling;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * {@code GET /ws}: the WebSocket transport (docs/WEBSOCKET.md). One socket carries what the event
 * stream and the POSTs carry together: the server's events down, each as one text message with the
 * same id as on the stream, and join, leave, relay and broadcast up, each answered (when it asks,
 * with an {@code ack} number) with the status and body its HTTP request would have had. The socket
 * is a {@link WsStream} of the same {@link Signaling} as the event stream, so the two transports
 * serve one session model: a peer on either signals a peer on either, on any node.
 *
 * <p>The token is checked once, at the upgrade ({@code ?token=}, as the stream's); the limits are
 * the HTTP routes': the stream caps and rates at the upgrade, the peer's relay and join buckets per
 * message, the largest body per relayed {@code data}, and the stream buffer for a slow reader.
 * Messages of one socket are served one after the other, so that what a peer sends arrives in the
 * order it was sent.
 */
final class WebSockets {
    private static final Logger log = LoggerFactory.getLogger(WebSockets.class);
    private static final JsonFactory JSON = new JsonFactory();
    /** Close codes of RFC 6455 (and the IANA registry) that a client can act on. */
    static final short UNSUPPORTED_DATA = 1003;
    static final short TRY_AGAIN_LATER = 1013;
    static final short MESSAGE_TOO_BIG = 1009;
    /** Bytes a message may hold beyond its {@code data} (the op, the ids, the ack). */
    static final int ENVELOPE_BYTES = 1024;
    /** Messages of one socket at work at once; beyond, the socket is not read until they are answered. */
    private static final int MAX_AT_WORK = 64;

    private final Vertx vertx;
    private final Signaling signaling;
    private final Tokens tokens;
    private final Limits limits;
    private final StreamMetrics metrics;
    private final Api.Settings settings;
    private final ClientErrorLog serverErrors;

    WebSockets(Vertx vertx, Signaling signaling, Tokens tokens, Limits limits, StreamMetrics metrics,
               Api.Settings settings, ClientErrorLog serverErrors) {
        this.vertx = vertx;
        this.signaling = signaling;
        this.tokens = tokens;
        this.limits = limits;
        this.metrics = metrics;
        this.settings = settings;
        this.serverErrors = serverErrors;
    }

    /** The largest WebSocket message (and frame) a node takes: a body at its largest, and its envelope. */
    static int maxMessageBytes(int maxBodyBytes) {
        return maxBodyBytes + ENVELOPE_BYTES;
    }

    void mount(Router router) {
        router.get("/ws").handler(new Authentication(tokens, true)).handler(this::open);
    }

    /** GET /ws: the upgrade. */
    private void open(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (!request.canUpgradeToWebSocket()) {
            throw new ApiError(426, "upgrade_required", "GET /ws is a WebSocket: send the upgrade's headers");
        }
        Runnable release = limits.admitStream(ctx, WebSockets::refuse);
        if (release == null) {
            return; // over a limit: told on the socket to come back later
        }
        Peer peer = Authentication.peer(ctx);
        Optional<EventId> after = Api.resumeFrom(request);
        request.toWebSocket().onComplete(upgraded -> {
            if (upgraded.failed()) {
                release.run();
                log.debug("the WebSocket of {} did not open: {}", peer.id(), upgraded.cause().toString());
                return;
            }
            ServerWebSocket socket = upgraded.result();
            WsStream stream = new WsStream(vertx, socket, request.connection(), metrics, peer.id());
            stream.onClose(release);
            stream.start(settings.pingMillis(), settings.streamBufferBytes());
            Inbox inbox = new Inbox(peer, socket, stream, request);
            socket.textMessageHandler(inbox::received);
            socket.binaryMessageHandler(binary -> socket.close(UNSUPPORTED_DATA, "messages are JSON text"));
            socket.exceptionHandler(failure -> failed(peer, socket, failure));
            signaling.open(peer, stream, after);
        });
    }

    /**
     * A frame larger than the largest message (Netty's decoder refuses it), or frames that add up to
     * a larger message (Vert.x refuses them): the socket closes with 1009, so that the client knows
     * why; any other fault of the connection closes it as it is.
     */
    private static void failed(Peer peer, ServerWebSocket socket, Throwable failure) {
        log.debug("WebSocket of {} failed: {}", peer.id(), failure.toString());
        if (failure instanceof CorruptedWebSocketFrameException corrupted) {
            socket.close((short) corrupted.closeStatus().code(), corrupted.closeStatus().reasonText());
        } else if (failure instanceof IllegalStateException && String.valueOf(failure.getMessage()).contains("max message size")) {
            socket.close(MESSAGE_TOO_BIG, "message_too_large");
        }
    }

    /**
     * The stream answer of docs/LIMITS.md on a WebSocket: a browser learns nothing from a refused
     * upgrade, so the socket opens, gets the one {@code reconnect} event, and closes with 1013.
     */
    private static void refuse(RoutingContext ctx, long afterMillis, String reconnect) {
        ctx.request().toWebSocket().onSuccess(socket -> socket
                .writeTextMessage("{\"event\":\"reconnect\",\"data\":" + reconnect + "}")
                .compose(written -> socket.close(TRY_AGAIN_LATER, "rate_limited")));
    }

    /**
     * One client message, as the HTTP request it stands for; {@code malformed} is the {@code 400}
     * answer of a message that could not be read (with its ack when it came before the fault).
     */
    record Request(String op, long ack, String room, String to, String event, String data, ApiError malformed) {
        static final long NO_ACK = -1;
    }

    /**
     * Reads a message: a JSON object whose {@code data}, any JSON value, is kept as the very text the
     * client sent (relayed as sent, as a POST's body is).
     */
    static Request parse(String text) {
        String op = null;
        String room = null;
        String to = null;
        String event = null;
        String data = null;
        long ack = Request.NO_ACK;
        try (JsonParser parser = JSON.createParser(text)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                throw invalid();
            }
            JsonToken token = parser.nextToken();
            while (token == JsonToken.FIELD_NAME) {
                String field = parser.currentName();
                JsonToken value = parser.nextToken();
                if (field.equals("data")) {
                    int start = (int) parser.currentTokenLocation().getCharOffset();
                    parser.skipChildren();
                    token = parser.nextToken();
                    int end = token == null ? text.length() : (int) parser.currentTokenLocation().getCharOffset();
                    data = withoutSeparator(text.substring(start, end));
                    continue;
                }
                switch (field) {
                    case "op" -> op = string(parser, value);
                    case "room" -> room = string(parser, value);
                    case "to" -> to = string(parser, value);
                    case "event" -> event = string(parser, value);
                    case "ack" -> {
                        if (value != JsonToken.VALUE_NUMBER_INT || parser.getLongValue() < 0) {
                            throw new ApiError(400, "invalid_ack", "ack is a whole number, 0 or more");
                        }
                        ack = parser.getLongValue();
                    }
                    default -> parser.skipChildren();
                }
                token = parser.nextToken();
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw invalid();
            }
        } catch (IOException e) {
            return new Request(null, ack, null, null, null, null, invalid());
        } catch (ApiError error) {
            return new Request(null, ack, null, null, null, null, error);
        }
        return new Request(op, ack, room, to, event, data, null);
    }

    private static String withoutSeparator(String raw) {
        String value = raw.strip();
        if (value.endsWith(",")) {
            value = value.substring(0, value.length() - 1).strip();
        }
        return value;
    }

    private static String string(JsonParser parser, JsonToken value) throws IOException {
        if (value != JsonToken.VALUE_STRING) {
            parser.skipChildren();
            return null;
        }
        return parser.getText();
    }

    private static ApiError invalid() {
        return new ApiError(400, "invalid_json", "a message is one JSON object (docs/WEBSOCKET.md)");
    }

    /** The messages of one socket, served in order. Touched on the socket's event loop only. */
    private final class Inbox {
        private final Peer peer;
        private final ServerWebSocket socket;
        private final WsStream stream;
        private final HttpServerRequest upgrade;
        private Future<Void> last = Future.succeededFuture();
        private int atWork;

        Inbox(Peer peer, ServerWebSocket socket, WsStream stream, HttpServerRequest upgrade) {
            this.peer = peer;
            this.socket = socket;
            this.stream = stream;
            this.upgrade = upgrade;
        }

        void received(String text) {
            Request request = parse(text);
            if (request.malformed() != null && request.ack() == Request.NO_ACK) {
                // Nothing to acknowledge, but the client should learn why nothing happened.
                stream.answer(Answer.of(request.malformed()).acknowledgement(Request.NO_ACK));
                return;
            }
            if (++atWork == MAX_AT_WORK) {
                socket.pause();
            }
            last = last.transform(previous -> serve(request)).transform(answered -> {
                if (atWork-- == MAX_AT_WORK) {
                    socket.resume();
                }
                Answer answer = answered.succeeded() ? answered.result() : failed(answered.cause());
                if (request.ack() != Request.NO_ACK) {
                    stream.answer(answer.acknowledgement(request.ack()));
                }
                return Future.succeededFuture();
            });
        }

        private Answer failed(Throwable failure) {
            Answer answer = Answer.ofFailure(failure);
            if (answer != null) {
                return answer;
            }
            serverErrors.failure(upgrade, failure);
            return Answer.error(500, "internal_error", "something went wrong on the server");
        }

        /** As the HTTP route would: limit, validate, one domain call, its answer. */
        private Future<Answer> serve(Request request) {
            if (request.malformed() != null) {
                return Future.succeededFuture(Answer.of(request.malformed()));
            }
            try {
                String op = request.op() == null ? "" : request.op();
                return switch (op) {
                    case "join" -> {
                        Answer refused = limits.takeJoin(peer.id());
                        if (refused != null) {
                            yield Future.succeededFuture(refused);
                        }
                        String room = room(request);
                        yield signaling.join(peer, room).map(result -> Answer.joined(room, result));
                    }
                    case "leave" -> {
                        String room = room(request);
                        yield signaling.leave(peer, room).map(left -> Answer.left(room, left));
                    }
                    case "relay" -> {
                        Answer refused = limits.takeRelay(peer.id());
                        if (refused != null) {
                            yield Future.succeededFuture(refused);
                        }
                        Answer.checkPeerId(request.to());
                        String data = data(request);
                        yield signaling.relay(peer, request.to(), request.event(), data).map(Answer::relayed);
                    }
                    case "broadcast" -> {
                        Answer refused = limits.takeRelay(peer.id());
                        if (refused != null) {
                            yield Future.succeededFuture(refused);
                        }
                        String room = room(request);
                        String data = data(request);
                        yield signaling.broadcast(peer, room, request.event(), data).map(Answer::broadcast);
                    }
                    default -> Future.succeededFuture(Answer.error(400, "invalid_op",
                            "op is one of join, leave, relay, broadcast"));
                };
            } catch (ApiError error) {
                return Future.succeededFuture(Answer.of(error));
            }
        }

        private static String room(Request request) {
            Answer.checkRoomId(request.room());
            return request.room();
        }

        /** The relayed data, checked as a POST's body is: its size first, then the name and the JSON. */
        private String data(Request request) {
            String data = request.data();
            int max = settings.maxBodyBytes();
            if (data != null && data.length() > max / 3 && (data.length() > max
                    || data.getBytes(StandardCharsets.UTF_8).length > max)) {
                throw new ApiError(413, "body_too_large", "the data is larger than " + max + " bytes");
            }
            Answer.checkEvent(request.event(), data);
            return data;
        }
    }
}
