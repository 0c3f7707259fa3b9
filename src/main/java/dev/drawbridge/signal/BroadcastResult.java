package dev.drawbridge.signal;

/** How a room broadcast ended. */
public sealed interface BroadcastResult {
    /** Handed to the bus for each of the {@code recipients} other members (zero when the sender is alone). */
    record Sent(int recipients) implements BroadcastResult {}

    /** The sender is no member of the room (or the room does not exist: the two look the same). */
    record NotAMember() implements BroadcastResult {}
}
