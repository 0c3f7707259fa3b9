package dev.drawbridge.signal;

/** How a relay ended. */
public enum RelayResult {
    /** Handed to the bus for the target's stream. */
    ACCEPTED,
    /** The target shares no room with the sender (or does not exist: the two look the same). */
    UNKNOWN_PEER
}
