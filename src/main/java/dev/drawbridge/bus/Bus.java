package dev.drawbridge.bus;

import io.vertx.core.Future;

import java.util.function.Consumer;

/**
 * Delivery of messages to one peer, on whichever node holds that peer's stream.
 *
 * <p>What may be relied on:
 * <ul>
 *   <li><b>At most once.</b> A message is handed to the handler of the peer's subscription if one is
 *   in place, on any node, when the message reaches the bus; a message to a peer with no
 *   subscription is dropped. Nothing is ever delivered twice.</li>
 *   <li><b>Ordered per caller.</b> Messages for one peer that one node passes to {@link #deliver}
 *   reach the handler in the order of those calls.</li>
 *   <li><b>Subscribed means reachable.</b> The future of {@link #subscribe} completes only once
 *   every message delivered after that moment reaches the handler, so a peer that is told it is
 *   connected cannot miss what is sent to it next.</li>
 *   <li><b>Failure is visible.</b> {@link #deliver} fails (with {@link BusUnavailableException}
 *   when the transport is down) rather than reporting success for a message that went nowhere.</li>
 * </ul>
 * Handlers may be called on any thread and must not block.
 */
public interface Bus {

    /** Sends {@code message} to the peer's subscription, wherever it is. */
    Future<Void> deliver(String peerId, Message message);

    /**
     * Routes the peer's messages to {@code handler} until the subscription is closed. A node holds
     * at most one subscription per peer: subscribing again replaces the handler.
     */
    Future<Subscription> subscribe(String peerId, Consumer<Message> handler);

    /** Stops everything this bus runs (connections, timers). Subscriptions end with it. */
    Future<Void> close();

    /** A peer's subscription on this node. */
    interface Subscription {
        /** Stops routing to this subscription's handler; a no-op if it was replaced or closed. */
        Future<Void> close();
    }
}
