package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The PeerJS server (npm {@code peer}): one WebSocket per peer at {@code /peerjs?key&id&token}, a
 * message {@code {"type","dst","payload"}} forwarded to {@code dst} with {@code src} added. It has
 * no rooms (joins and leaves succeed without a message), no authorization (any peer may message any
 * id) and no acknowledgement: a relay counts as answered when its target got it, so that a pair
 * still has one relay in flight at a time and the in-flight bound still holds.
 * The load generator's relays go as {@code CANDIDATE} ({@code load}) and {@code ANSWER} ({@code warm}).
 */
final class PeerJsWire implements Wire {
    private static final String OPEN = "{\"type\":\"OPEN\"";
    private static final String LOAD = "{\"type\":\"CANDIDATE\",\"src\":\"";
    private static final String WARM = "{\"type\":\"ANSWER\",\"src\":\"";

    private final Counters counters;
    /** The answer each sender awaits from each target, keyed by sender index × 2^32 + target index. */
    private final Map<Long, Promise<Integer>> awaitingDelivery = new ConcurrentHashMap<>();

    PeerJsWire(Counters counters) {
        this.counters = counters;
    }

    @Override
    public Future<?> identify(Peer p) {
        // PeerJS takes the id and token the client chooses (its GET /peerjs/id only suggests one).
        p.id = UUID.randomUUID().toString();
        p.token = UUID.randomUUID().toString().substring(0, 8);
        counters.status("access", "200");
        return Future.succeededFuture();
    }

    @Override
    public Future<?> connect(Peer p) {
        return Sockets.open(p, counters, "/peerjs?key=peerjs&id=" + p.id + "&token=" + p.token, text -> onText(p, text));
    }

    private void onText(Peer p, String text) {
        boolean load = text.startsWith(LOAD);
        if (load || text.startsWith(WARM)) {
            int from = p.relayed(text, (load ? LOAD : WARM).length(), text.indexOf("\"payload\":"), load);
            if (from >= 0) {
                Promise<Integer> answer = awaitingDelivery.remove(key(from, p.index));
                if (answer != null) {
                    answer.tryComplete(200);
                }
            }
        } else if (text.startsWith(OPEN)) {
            p.serverEvent(false, true);
        } else {
            // ERROR, ID-TAKEN, EXPIRE, LEAVE: nothing of this run's.
            int end = text.indexOf('"', 9);
            counters.unexpectedEvent(end > 9 ? text.substring(9, end) : text);
        }
    }

    @Override
    public Future<Integer> join(Peer p, String roomId) {
        return Future.succeededFuture(200);
    }

    @Override
    public Future<Integer> leave(Peer p, String roomId) {
        return Future.succeededFuture(200);
    }

    @Override
    public Future<Integer> relay(Peer from, Peer to, String event, String body) {
        Promise<Integer> answer = Promise.promise();
        long key = key(from.index, to.index);
        awaitingDelivery.put(key, answer);
        String type = event.equals("load") ? "CANDIDATE" : "ANSWER";
        Sockets.send(from, "{\"type\":\"" + type + "\",\"dst\":\"" + to.id + "\",\"payload\":" + body + "}")
                .onFailure(failure -> {
                    awaitingDelivery.remove(key, answer);
                    answer.tryFail(failure);
                });
        return answer.future();
    }

    @Override
    public boolean announcesMembership() {
        return false;
    }

    private static long key(int from, int to) {
        return ((long) from << 32) | to;
    }
}
