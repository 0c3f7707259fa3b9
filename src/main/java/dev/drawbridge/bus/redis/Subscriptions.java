package dev.drawbridge.bus.redis;

import io.vertx.core.Future;

/**
 * The sharded channels one lane is subscribed to: on one connection ({@link Subscriber}, standalone
 * Redis) or on one connection per primary of a Redis Cluster ({@link ClusterSubscriptions}).
 */
interface Subscriptions {

    /** Completes once Redis confirmed the subscription (or at once if it already had). */
    Future<Void> subscribe(String channel);

    /** Forgets the channel; the {@code SUNSUBSCRIBE} is best effort. */
    void unsubscribe(String channel);

    /** Forgets every channel (the bus closed). */
    void clear();

    /** Every connection this lane subscribes on is up. */
    boolean isUp();

    /**
     * Whether Redis confirmed the subscription to {@code channel} on its current connection, and
     * nothing ended it since.
     */
    boolean isConfirmed(String channel);

    /**
     * How many times a subscription of this lane may have missed messages: a connection lost, a
     * channel unsubscribed or refused by the server, moved to another primary. Counted after the
     * channels concerned stopped being {@link #isConfirmed confirmed}: a reader that saw the count
     * and then a channel confirmed knows that the channel missed nothing since, as long as the
     * count has not changed.
     */
    long losses();
}
