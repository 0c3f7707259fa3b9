package dev.drawbridge.bus;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * An event's place in one peer's history: the history's {@code epoch}, a random token made when
 * the history was created, and the event's number {@code n} in it (1, 2, ...). On the wire it is
 * the SSE {@code id}, {@code <epoch>-<n>}. A history that was lost and made again (Redis flushed or
 * restarted, the peer's session ended) has another epoch, so an id from the old one is recognised.
 */
public record EventId(String epoch, long n) {
    private static final Pattern EPOCH = Pattern.compile("[0-9a-z]{1,40}");

    public EventId {
        Objects.requireNonNull(epoch, "epoch");
        if (!EPOCH.matcher(epoch).matches() || n < 0) {
            throw new IllegalArgumentException("not an event id: " + epoch + "-" + n);
        }
    }

    /** The id as a browser holds it; empty for anything this server did not write. */
    public static Optional<EventId> parse(String text) {
        if (text == null) {
            return Optional.empty();
        }
        int dash = text.lastIndexOf('-');
        if (dash <= 0 || dash == text.length() - 1 || text.length() - dash > 19) {
            return Optional.empty();
        }
        String epoch = text.substring(0, dash);
        String number = text.substring(dash + 1);
        for (int i = 0; i < number.length(); i++) {
            if (number.charAt(i) < '0' || number.charAt(i) > '9') {
                return Optional.empty();
            }
        }
        if (!EPOCH.matcher(epoch).matches()) {
            return Optional.empty();
        }
        return Optional.of(new EventId(epoch, Long.parseLong(number)));
    }

    /** Whether this id names an event of the same history at or before {@code other}. */
    public boolean notAfter(EventId other) {
        return epoch.equals(other.epoch) && n <= other.n;
    }

    @Override
    public String toString() {
        return epoch + "-" + n;
    }
}
