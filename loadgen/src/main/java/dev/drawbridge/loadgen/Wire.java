package dev.drawbridge.loadgen;

import io.vertx.core.Future;

/**
 * How the load generator speaks to one kind of server. The schedule, the counting and the latency
 * are the load generator's and the same for every wire; a wire only opens connections and carries
 * joins, leaves and relays, and hands what its connection delivers to {@link Peer}.
 *
 * <p>Every answer is a status as the Drawbridge HTTP API would give it (200 when accepted), and a
 * failed future when the server gave none. A relay's future completes when the server answered it:
 * its HTTP answer or its acknowledgement; on a wire without acknowledgements, when the target got it.
 */
sealed interface Wire permits SseWire, PeerJsWire, SocketIoWire, DrawbridgeWsWire {

    /** The peer's identity before it connects (a token), or nothing for servers that take any name. */
    Future<?> identify(Peer p);

    /** Opens the peer's connection; completes once the server said it is connected. */
    Future<?> connect(Peer p);

    Future<Integer> join(Peer p, String roomId);

    Future<Integer> leave(Peer p, String roomId);

    /** Sends {@code body} (a JSON object) to {@code to} as {@code event}. */
    Future<Integer> relay(Peer from, Peer to, String event, String body);

    /** Whether joins and leaves are told to the members with add-peer and remove-peer (and so are counted). */
    boolean announcesMembership();

    /** The wire of a server kind. */
    static Wire of(Options.Server server, Counters counters) {
        return switch (server) {
            case DRAWBRIDGE -> new SseWire(counters);
            case DRAWBRIDGE_WS -> new DrawbridgeWsWire(counters);
            case PEERJS -> new PeerJsWire(counters);
            case SOCKETIO -> new SocketIoWire(counters);
        };
    }
}
