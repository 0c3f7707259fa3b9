package dev.drawbridge.http;

import java.time.Duration;
import java.util.List;

/**
 * The settings of the node's rate and count limits (docs/LIMITS.md): each rate is a token bucket, each
 * cap a count of open streams; a rate of {@link Rate#OFF} or a cap of 0 is no limit at all.
 *
 * @param relay          relays per peer (token)
 * @param join           joins per peer
 * @param token          {@code POST /access} and {@code /access/refresh} per client address
 * @param stream         new streams per client address
 * @param nodeStream     new streams per node
 * @param maxStreams     open streams per node (0: no cap)
 * @param maxAddressStreams open streams per client address (0: no cap)
 * @param streamRetry    how long a stream refused by a cap is told to wait (before jitter)
 * @param trustedProxies addresses or CIDRs whose {@code X-Forwarded-For} names the client
 */
public record RateLimits(Rate relay, Rate join, Rate token, Rate stream, Rate nodeStream,
                         int maxStreams, int maxAddressStreams, Duration streamRetry, List<String> trustedProxies) {

    /** Every limit off, no proxy trusted. */
    public static final RateLimits NONE = new RateLimits(Rate.OFF, Rate.OFF, Rate.OFF, Rate.OFF, Rate.OFF, 0, 0,
            Duration.ofSeconds(5), List.of());

    public RateLimits {
        trustedProxies = List.copyOf(trustedProxies);
    }

    /**
     * A bucket of {@code tokens} that refills evenly over {@code period}: at most {@code tokens} at once,
     * {@code tokens / period} for ever after. Written {@code 2000/2s}; {@code 0} is off.
     */
    public record Rate(long tokens, Duration period) {
        public static final Rate OFF = new Rate(0, Duration.ofSeconds(1));

        public boolean off() {
            return tokens == 0;
        }

        @Override
        public String toString() {
            return off() ? "0" : tokens + "/" + period.toMillis() + "ms";
        }
    }
}
