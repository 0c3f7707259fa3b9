package dev.drawbridge.bus.redis;

import io.vertx.core.Future;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

import java.util.List;

/**
 * Where commands go: one connection ({@link Link}), or the connection of the caller's event loop
 * ({@link Lanes}). Public so that other parts kept in Redis (the boards of
 * {@code dev.drawbridge.store.redis}) share the node's connections instead of opening their own.
 */
public interface Commands {

    /** Sends one command; every failure (down, dropped, timed out, error reply) is a {@link dev.drawbridge.bus.BusUnavailableException}. */
    Future<Response> send(Request request);

    /** Sends one command and leaves its failure as it is (the caller wants to look at error replies). */
    Future<Response> sendRaw(Request request);

    /**
     * Sends read-only commands with the other reads sent from the same event loop in the same turn
     * of it, all in one write once the turn's input is handled: a busy node then writes its
     * relays' authorizations to Redis once per turn rather than once per relay. The turn fails as a
     * whole when any of its reads fails, with a {@link dev.drawbridge.bus.BusUnavailableException}:
     * only for reads, which fail together when Redis does.
     */
    Future<List<Response>> readTogether(List<Request> reads);

    /**
     * Whether commands of different slots sent from one thread run in the order sent (one
     * connection: standalone Redis). False on Redis Cluster, where two slots may live on two
     * primaries: a caller that needs one to run before the other waits for its answer.
     */
    default boolean ordersAcrossSlots() {
        return true;
    }
}
