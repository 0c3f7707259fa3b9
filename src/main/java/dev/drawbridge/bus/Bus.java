package dev.drawbridge.bus;

import io.vertx.core.Future;

import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Delivery of messages to one peer, on whichever node holds that peer's stream, and the short
 * history of them that a resumed stream replays.
 *
 * <p>What may be relied on:
 * <ul>
 *   <li><b>Numbered and kept where published.</b> {@link #deliver} gives the message the next
 *   number of the peer's history, keeps it there and publishes it, as one step (one script on the
 *   peer's slot with Redis): what a subscription receives is exactly what the history holds, in the
 *   same order, with the same {@link EventId}. The history is bounded ({@link HistoryLimits}: count,
 *   bytes, age; the oldest go first) and readable from every node. It lasts until {@link #forget},
 *   or until the shared store loses it (a Redis restart or flush); a history made again after that
 *   has a new epoch.</li>
 *   <li><b>Live delivery is at most once.</b> A message is handed to the handler of the peer's
 *   subscription if one is in place, on any node, when the message reaches the bus; a peer with no
 *   subscription gets nothing live (the message stays in its history). Nothing is ever delivered
 *   twice.</li>
 *   <li><b>Ordered.</b> The numbers of one peer's history are consecutive, and a subscription
 *   receives them in increasing order; messages one node passes to {@link #deliver} for one peer
 *   are numbered in the order of those calls.</li>
 *   <li><b>Subscribed means reachable.</b> The future of {@link #subscribe} completes only once
 *   every message delivered after that moment reaches the handler.</li>
 *   <li><b>Attach cuts the history in one step.</b> {@link #attach} names the last event of the
 *   history at one instant ({@link Attachment#at()}), answers the events after a given id up to it,
 *   or says that some of them are gone (never a part of them), and publishes a
 *   {@link Delivery.Takeover} at that same instant: a subscription made before the attach receives
 *   every event after {@code at}, and the takeover after every event up to {@code at}.</li>
 *   <li><b>Failure is visible.</b> Every future fails (with {@link BusUnavailableException} when the
 *   transport is down) rather than reporting success for a message that went nowhere.</li>
 * </ul>
 * Handlers may be called on any thread and must not block.
 */
public interface Bus {

    /** Numbers the message in the peer's history, keeps it, and sends it to the peer's subscription, wherever it is. */
    Future<Void> deliver(String peerId, Message message);

    /**
     * {@link #deliver}, but only if the peer is a member of one of {@code roomIds}, decided in the
     * same step as the delivery: answers false, and nothing was numbered, kept or sent, when it is
     * not, or when the bus cannot tell without asking elsewhere (with Redis: the peer's entry for
     * the room is a join or leave at work). For relays authorized from the sender's side alone
     * ({@link Rooms#knownRooms}); a bus that keeps no memberships does not offer it.
     */
    default Future<Boolean> deliverIfMember(String peerId, Set<String> roomIds, Message message) {
        return Future.failedFuture(new UnsupportedOperationException("this bus keeps no memberships"));
    }

    /**
     * Routes the peer's deliveries to {@code handler} until the subscription is closed. A node holds
     * at most one subscription per peer: subscribing again replaces the handler.
     */
    Future<Subscription> subscribe(String peerId, Consumer<Delivery> handler);

    /**
     * A stream named {@code stream} becomes the peer's live one: the history is cut (made, with a new
     * epoch, if the peer has none), the events after {@code after} are read if one is given, and a
     * {@link Delivery.Takeover} with the next turn is published to the peer's subscriptions. An
     * {@code after} of another epoch, or one whose successors were trimmed, answers a
     * {@link Attachment.Resume.Gap}.
     */
    Future<Attachment> attach(String peerId, String stream, Optional<EventId> after);

    /** Drops the peer's history (its session ended for good): a later attach starts a new epoch. */
    Future<Void> forget(String peerId);

    /** Stops everything this bus runs (connections, timers). Subscriptions end with it. */
    Future<Void> close();

    /** A peer's subscription on this node. */
    interface Subscription {
        /** Stops routing to this subscription's handler; a no-op if it was replaced or closed. */
        Future<Void> close();
    }
}
