package dev.drawbridge.bus;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of each peer's history the bus keeps for resumed streams: at most {@code events}
 * events and about {@code bytes} bytes of them (event names and data), none older than
 * {@code age}. The oldest go first. The age must cover the resume grace, or a stream resumed
 * within the grace could find its gap trimmed by age alone.
 */
public record HistoryLimits(int events, int bytes, Duration age) {
    public HistoryLimits {
        Objects.requireNonNull(age, "age");
        if (events < 1 || bytes < 1 || age.isNegative() || age.isZero()) {
            throw new IllegalArgumentException("history limits must be positive");
        }
    }

    /** 256 events, 256 KiB, 60 s. */
    public static HistoryLimits defaults() {
        return new HistoryLimits(256, 256 * 1024, Duration.ofSeconds(60));
    }
}
