package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * Drawbridge's WebSocket transport ({@code GET /ws?token=}, docs/WEBSOCKET.md): the same token as
 * the stream, server events as JSON messages, join, leave and relay as messages answered by
 * acknowledgement number:
 * <ul>
 *   <li>server event: {@code {"id":"<id>","event":"<name>","data":<the SSE event's data>}}
 *       ({@code id} absent on {@code connected} and {@code ping});</li>
 *   <li>client message: {@code {"op":"join"|"leave","room":"<roomId>","ack":n}},
 *       {@code {"op":"relay","to":"<peerId>","event":"<event>","data":<body>,"ack":n}};</li>
 *   <li>acknowledgement: {@code {"ack":n,"status":200}} (or the HTTP status, with {@code "error"}).</li>
 * </ul>
 * A node without the transport refuses the upgrade, and {@link #connect} fails saying so.
 */
final class DrawbridgeWsWire implements Wire {
    private final Counters counters;
    private final SseWire tokens;

    DrawbridgeWsWire(Counters counters) {
        this.counters = counters;
        this.tokens = new SseWire(counters);
    }

    @Override
    public Future<?> identify(Peer p) {
        return tokens.identify(p);
    }

    @Override
    public Future<?> connect(Peer p) {
        return Sockets.open(p, counters, "/ws?token=" + p.token, text -> onText(p, text))
                .recover(failure -> Future.failedFuture(new IllegalStateException(
                        "the node at " + p.endpoint.node() + " did not open a WebSocket at /ws (" + failure.getMessage()
                                + "): it has no WebSocket transport yet, or its framing is not the one DrawbridgeWsWire assumes")));
    }

    private void onText(Peer p, String text) {
        JsonObject message = new JsonObject(text);
        if (message.containsKey("ack")) {
            p.acks.answer(message.getInteger("ack"), message.getInteger("status", -1));
            return;
        }
        String event = message.getString("event", "");
        Object data = message.getValue("data");
        String id = message.getString("id");
        switch (event) {
            case "connected" -> p.serverEvent(id != null, true);
            case "ping" -> p.serverEvent(id != null, false);
            default -> {
                p.numbered(numericId(id));
                String body = data instanceof JsonObject o ? o.encode() : String.valueOf(data);
                switch (event) {
                    case "load", "warm" -> p.relayed(body, body.startsWith(SENDER) ? SENDER.length() : -1,
                            body.indexOf("\"data\":"), event.equals("load"));
                    case "add-peer" -> p.addPeer(body.contains("\"offer\":true"));
                    case "remove-peer" -> p.removePeer();
                    default -> counters.unexpectedEvent(event);
                }
            }
        }
    }

    private static final String SENDER = "{\"peer\":{\"id\":\"";

    private static long numericId(String id) {
        return new SseParser.Event(id, "", "").numericId();
    }

    @Override
    public Future<Integer> join(Peer p, String roomId) {
        return p.acks.send(n -> Sockets.send(p, "{\"op\":\"join\",\"room\":\"" + roomId + "\",\"ack\":" + n + "}"));
    }

    @Override
    public Future<Integer> leave(Peer p, String roomId) {
        return p.acks.send(n -> Sockets.send(p, "{\"op\":\"leave\",\"room\":\"" + roomId + "\",\"ack\":" + n + "}"));
    }

    @Override
    public Future<Integer> relay(Peer from, Peer to, String event, String body) {
        return from.acks.send(n -> Sockets.send(from, "{\"op\":\"relay\",\"to\":\"" + to.id + "\",\"event\":\"" + event
                + "\",\"data\":" + body + ",\"ack\":" + n + "}"));
    }

    @Override
    public boolean announcesMembership() {
        return true;
    }
}
