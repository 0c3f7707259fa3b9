package dev.drawbridge.bus;

import java.util.List;
import java.util.Objects;

/**
 * The outcome of {@link Bus#attach}: the stream's {@code turn} among the peer's streams, the last
 * event of the peer's history at that instant ({@code at}, number 0 of its epoch when it holds
 * none yet), and what the stream must replay before it goes live.
 */
public record Attachment(long turn, EventId at, Resume resume) {
    public Attachment {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(resume, "resume");
    }

    /** What a resumed stream gets before the live events. */
    public sealed interface Resume {
        /** Every event after the id asked for, up to {@code at}, in order (empty without an id, or when nothing came since). */
        record Replay(List<Delivery.Event> events) implements Resume {
            public Replay {
                events = List.copyOf(events);
            }
        }

        /** The events after the id asked for are not all in the history any more; {@code reason} says why. */
        record Gap(String reason) implements Resume {}
    }
}
