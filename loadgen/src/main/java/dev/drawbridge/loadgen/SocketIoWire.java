package dev.drawbridge.loadgen;

import io.vertx.core.Future;

/**
 * A socket.io 4 server speaking Engine.IO 4 over a WebSocket only ({@code /socket.io/?EIO=4&transport=websocket}),
 * running {@code scripts/compare-servers/socketio.js}: {@code join(room)}, {@code leave(room)} and
 * {@code relay(to, event, data)} as events with an acknowledgement ({@code 42<n>[...]}, answered
 * {@code 43<n>[status]}); the target gets {@code 42["<event>",{"peer":{"id","username"},"data":...}]}.
 * A peer's id is its socket id, which the server names in its CONNECT answer ({@code 40{"sid":...}}).
 * The server checks nothing per relay but that the sender's socket is connected (see docs/BENCHMARKS.md).
 */
final class SocketIoWire implements Wire {
    private static final String LOAD = "42[\"load\",{\"peer\":{\"id\":\"";
    private static final String WARM = "42[\"warm\",{\"peer\":{\"id\":\"";
    private static final String CONNECTED = "40{\"sid\":\"";

    private final Counters counters;

    SocketIoWire(Counters counters) {
        this.counters = counters;
    }

    @Override
    public Future<?> identify(Peer p) {
        // No token: the server takes the username its CONNECT packet names, and names the socket.
        p.token = "";
        counters.status("access", "200");
        return Future.succeededFuture();
    }

    @Override
    public Future<?> connect(Peer p) {
        return Sockets.open(p, counters, "/socket.io/?EIO=4&transport=websocket", text -> onText(p, text));
    }

    private void onText(Peer p, String text) {
        boolean load = text.startsWith(LOAD);
        if (load || text.startsWith(WARM)) {
            p.relayed(text, (load ? LOAD : WARM).length(), text.indexOf("\"data\":"), load);
        } else if (text.startsWith("43")) {
            int n = Sockets.digitsAt(text, 2);
            int open = text.indexOf('[');
            int status = open < 0 ? -1 : Sockets.digitsAt(text, open + 1);
            if (n < 0 || !p.acks.answer(n, status)) {
                counters.unexpectedEvent("unmatched-ack");
            }
        } else if (text.equals("2")) {
            // Engine.IO's ping: answered with a pong, or the server closes the socket.
            Sockets.send(p, "3");
            counters.pings.increment();
        } else if (text.startsWith("0")) {
            // Engine.IO's open packet: now connect to the main namespace, naming the user.
            Sockets.send(p, "40{\"username\":\"" + p.username + "\"}");
        } else if (text.startsWith(CONNECTED)) {
            int end = text.indexOf('"', CONNECTED.length());
            p.id = text.substring(CONNECTED.length(), end);
            p.serverEvent(false, true);
        } else {
            counters.unexpectedEvent(text.length() > 24 ? text.substring(0, 24) : text);
        }
    }

    @Override
    public Future<Integer> join(Peer p, String roomId) {
        return p.acks.send(n -> Sockets.send(p, "42" + n + "[\"join\",\"" + roomId + "\"]"));
    }

    @Override
    public Future<Integer> leave(Peer p, String roomId) {
        return p.acks.send(n -> Sockets.send(p, "42" + n + "[\"leave\",\"" + roomId + "\"]"));
    }

    @Override
    public Future<Integer> relay(Peer from, Peer to, String event, String body) {
        return from.acks.send(n -> Sockets.send(from, "42" + n + "[\"relay\",\"" + to.id + "\",\"" + event + "\"," + body + "]"));
    }

    @Override
    public boolean announcesMembership() {
        return false;
    }
}
