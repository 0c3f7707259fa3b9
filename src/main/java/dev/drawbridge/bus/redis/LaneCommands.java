package dev.drawbridge.bus.redis;

import io.vertx.core.Future;

/**
 * The command side of one lane: one connection ({@link Link}, standalone Redis) or one connection
 * per primary of a Redis Cluster ({@link ClusterCommands}).
 */
interface LaneCommands extends Commands {

    /** Opens the connections; fails when Redis cannot be reached at start. */
    Future<Void> start();

    /** Every connection is up (no round trip). */
    boolean isUp();

    /** A round trip on every connection (for {@code /readyz}). */
    Future<Void> ping();

    Future<Void> close();
}
