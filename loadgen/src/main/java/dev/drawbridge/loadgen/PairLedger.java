package dev.drawbridge.loadgen;

import java.util.BitSet;

/**
 * What one receiver got from one sender: every sequence number counts once, a number seen again is
 * a duplicate, and one arriving below the highest seen so far was reordered. Sequence numbers start
 * at 0. Confined to the receiver's thread.
 */
final class PairLedger {
    /** How an arrival was counted. */
    enum Arrival { IN_ORDER, REORDERED, DUPLICATE }

    private final BitSet seen = new BitSet();
    private int highest = -1;
    private long distinct;
    private long duplicates;
    private long reordered;

    Arrival record(int sequence) {
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence numbers start at 0");
        }
        if (seen.get(sequence)) {
            duplicates++;
            return Arrival.DUPLICATE;
        }
        seen.set(sequence);
        distinct++;
        if (sequence < highest) {
            reordered++;
            return Arrival.REORDERED;
        }
        highest = sequence;
        return Arrival.IN_ORDER;
    }

    long distinct() {
        return distinct;
    }

    long duplicates() {
        return duplicates;
    }

    long reordered() {
        return reordered;
    }

    /** Sequence numbers below {@code sent} that never arrived. */
    long missingOf(int sent) {
        return sent - seen.get(0, Math.max(sent, 0)).cardinality();
    }
}
