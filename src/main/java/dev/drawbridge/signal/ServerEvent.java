package dev.drawbridge.signal;

import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import io.vertx.core.json.JsonObject;

/** The events of PROTOCOL.md that the server sends, each able to render itself as a {@link Message}. */
sealed interface ServerEvent {

    Message message();

    record Connected(Peer user) implements ServerEvent {
        @Override
        public Message message() {
            return new Message("connected", new JsonObject().put("user", json(user)).encode());
        }
    }

    record AddPeer(Peer peer, String roomId, boolean offer) implements ServerEvent {
        @Override
        public Message message() {
            return new Message("add-peer", new JsonObject()
                    .put("peer", json(peer)).put("roomId", roomId).put("offer", offer).encode());
        }
    }

    record RemovePeer(Peer peer, String roomId) implements ServerEvent {
        @Override
        public Message message() {
            return new Message("remove-peer", new JsonObject()
                    .put("peer", json(peer)).put("roomId", roomId).encode());
        }
    }

    record Resync(String reason) implements ServerEvent {
        @Override
        public Message message() {
            return new Message("resync", new JsonObject().put("reason", reason).encode());
        }
    }

    record Replaced() implements ServerEvent {
        @Override
        public Message message() {
            return new Message("replaced", "{}");
        }
    }

    /** The node is draining: reconnect, to any node, after {@code afterMillis}. */
    record Reconnect(long afterMillis) implements ServerEvent {
        @Override
        public Message message() {
            return new Message("reconnect", new JsonObject().put("after_ms", afterMillis).encode());
        }
    }

    /**
     * The stream could not be opened because the node cannot reach its message bus right now:
     * reconnect after {@code afterMillis} ({@code error: "unavailable"}, as a refused request's
     * {@code 503} says). It comes instead of {@code connected}, and the stream ends.
     */
    record Unavailable(long afterMillis) implements ServerEvent {
        @Override
        public Message message() {
            return new Message("reconnect", new JsonObject().put("after_ms", afterMillis)
                    .put("error", "unavailable")
                    .put("message", "the service cannot reach its message bus; reconnect after " + afterMillis + " ms")
                    .encode());
        }
    }

    /**
     * A client's event passed on to another peer. {@code body} is valid JSON; it is embedded as it
     * came, with line breaks (which JSON allows only as whitespace between tokens) turned to spaces
     * so that it stays one SSE data line.
     */
    record Relayed(String event, Peer sender, String body) implements ServerEvent {
        @Override
        public Message message() {
            String peer = json(sender).encode();
            String oneLine = body.indexOf('\n') < 0 && body.indexOf('\r') < 0
                    ? body : body.replace('\n', ' ').replace('\r', ' ');
            String data = new StringBuilder(peer.length() + oneLine.length() + 20)
                    .append("{\"peer\":").append(peer).append(",\"data\":").append(oneLine).append('}')
                    .toString();
            return new Message(event, data);
        }
    }

    private static JsonObject json(Peer peer) {
        return new JsonObject().put("id", peer.id()).put("username", peer.username());
    }
}
