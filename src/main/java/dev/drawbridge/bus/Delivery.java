package dev.drawbridge.bus;

import java.util.Objects;

/** What a peer's subscription receives, in the order the bus numbered and published it. */
public sealed interface Delivery {

    /** An event for the peer, with its place in the peer's history. */
    record Event(EventId id, Message message) implements Delivery {
        public Event {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(message, "message");
        }
    }

    /**
     * The stream named {@code stream} attached somewhere in the cluster ({@link Bus#attach}), as
     * turn {@code turn} of the history {@code epoch}: any stream of the peer that attached before
     * it is no longer the peer's live one. Turns go up within one epoch; a takeover received after
     * a stream's own one is always the later.
     */
    record Takeover(String epoch, long turn, String stream) implements Delivery {
        public Takeover {
            Objects.requireNonNull(epoch, "epoch");
            Objects.requireNonNull(stream, "stream");
        }
    }
}
