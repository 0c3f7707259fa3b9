package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.HistoryLimits;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Tuning of the Redis backend. The defaults reap the peers of a dead node within about
 * {@code leaseTtl + reapInterval} (6 s), inside the 10 s the protocol promises.
 *
 * @param heartbeatInterval how often this node renews its lease
 * @param leaseTtl          how long a lease lasts without renewal; after that the node counts as dead
 * @param reapInterval      how often every node looks for lapsed leases
 * @param claimTtl          how long a survivor may take to reap a dead node before another one takes over
 * @param commandTimeout    a command without an answer after this long fails as unavailable
 * @param reconnectMin      first delay before reconnecting a dropped connection; doubles on each failure
 * @param reconnectMax      ceiling of that delay
 * @param maxPendingCommands commands in flight on the command connection before new ones are refused
 * @param resumeGrace       how long the peers of a dead node may resume elsewhere before a survivor
 *                          removes them (the node's resume grace); the claim of a dead node lasts
 *                          at least this much longer than {@code claimTtl}
 * @param history           how much of each peer's history is kept
 * @param topologyCheck     on Redis Cluster, how often the node reads the slots' owners even when
 *                          nothing told it of a change (a primary demoted without dropping its
 *                          connections)
 * @param trustedCa         for {@code rediss://}: a PEM file of the certificate authority that
 *                          signed Redis' certificate, or null to trust the JVM's authorities
 * @param probeInterval     how often each subscriber connection publishes a probe to itself and
 *                          expects it back within the same time ({@link Probe}); zero: no probes
 */
public record RedisSettings(
        Duration heartbeatInterval,
        Duration leaseTtl,
        Duration reapInterval,
        Duration claimTtl,
        Duration commandTimeout,
        Duration reconnectMin,
        Duration reconnectMax,
        int maxPendingCommands,
        Duration resumeGrace,
        HistoryLimits history,
        Duration topologyCheck,
        Path trustedCa,
        Duration probeInterval) {

    public RedisSettings {
        Objects.requireNonNull(heartbeatInterval, "heartbeatInterval");
        Objects.requireNonNull(leaseTtl, "leaseTtl");
        Objects.requireNonNull(reapInterval, "reapInterval");
        Objects.requireNonNull(claimTtl, "claimTtl");
        Objects.requireNonNull(commandTimeout, "commandTimeout");
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        requirePositive(heartbeatInterval, "heartbeatInterval");
        requirePositive(reapInterval, "reapInterval");
        requirePositive(commandTimeout, "commandTimeout");
        requirePositive(reconnectMin, "reconnectMin");
        // A lease must survive at least one missed beat, or a slow round trip reaps a live node.
        if (leaseTtl.compareTo(heartbeatInterval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("leaseTtl must be at least twice heartbeatInterval");
        }
        if (claimTtl.compareTo(leaseTtl) < 0) {
            throw new IllegalArgumentException("claimTtl must be at least leaseTtl");
        }
        if (reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("reconnectMax must be at least reconnectMin");
        }
        Objects.requireNonNull(resumeGrace, "resumeGrace");
        Objects.requireNonNull(history, "history");
        if (resumeGrace.isNegative()) {
            throw new IllegalArgumentException("resumeGrace must not be negative");
        }
        Objects.requireNonNull(topologyCheck, "topologyCheck");
        requirePositive(topologyCheck, "topologyCheck");
        Objects.requireNonNull(probeInterval, "probeInterval");
        if (probeInterval.isNegative()) {
            throw new IllegalArgumentException("probeInterval must not be negative");
        }
        if (maxPendingCommands < 1) {
            throw new IllegalArgumentException("maxPendingCommands must be positive");
        }
    }

    /**
     * Heartbeat every 1 s, lease 5 s, reaping every 1 s; reconnect from 100 ms doubling to 2 s; a
     * resume grace of 20 s; the default history limits; a topology check every 30 s; a probe every 2 s.
     */
    public static RedisSettings defaults() {
        return new RedisSettings(
                Duration.ofSeconds(1),
                Duration.ofSeconds(5),
                Duration.ofSeconds(1),
                Duration.ofSeconds(30),
                Duration.ofSeconds(2),
                Duration.ofMillis(100),
                Duration.ofSeconds(2),
                16_384,
                Duration.ofSeconds(20),
                HistoryLimits.defaults(),
                Duration.ofSeconds(30),
                null,
                Duration.ofSeconds(2));
    }

    /** The same settings with another liveness timing. */
    public RedisSettings withLease(Duration heartbeatInterval, Duration leaseTtl, Duration reapInterval) {
        return new RedisSettings(heartbeatInterval, leaseTtl, reapInterval, claimTtl.compareTo(leaseTtl) < 0 ? leaseTtl : claimTtl,
                commandTimeout, reconnectMin, reconnectMax, maxPendingCommands, resumeGrace, history, topologyCheck, trustedCa, probeInterval);
    }

    /** The same settings with another resume grace (zero: the peers of a dead node are removed as soon as it is claimed). */
    public RedisSettings withResumeGrace(Duration grace) {
        return new RedisSettings(heartbeatInterval, leaseTtl, reapInterval, claimTtl, commandTimeout, reconnectMin,
                reconnectMax, maxPendingCommands, grace, history, topologyCheck, trustedCa, probeInterval);
    }

    /** The same settings with other history limits. */
    public RedisSettings withHistory(HistoryLimits limits) {
        return new RedisSettings(heartbeatInterval, leaseTtl, reapInterval, claimTtl, commandTimeout, reconnectMin,
                reconnectMax, maxPendingCommands, resumeGrace, limits, topologyCheck, trustedCa, probeInterval);
    }

    /** The same settings with another period of the topology check (Redis Cluster). */
    public RedisSettings withTopologyCheck(Duration period) {
        return new RedisSettings(heartbeatInterval, leaseTtl, reapInterval, claimTtl, commandTimeout, reconnectMin,
                reconnectMax, maxPendingCommands, resumeGrace, history, period, trustedCa, probeInterval);
    }

    /** The same settings trusting the authority in {@code pemFile} for {@code rediss://} (null: the JVM's). */
    public RedisSettings withTrustedCa(Path pemFile) {
        return new RedisSettings(heartbeatInterval, leaseTtl, reapInterval, claimTtl, commandTimeout, reconnectMin,
                reconnectMax, maxPendingCommands, resumeGrace, history, topologyCheck, pemFile, probeInterval);
    }

    /** The same settings with another probe interval (zero: no probes). */
    public RedisSettings withProbeInterval(Duration interval) {
        return new RedisSettings(heartbeatInterval, leaseTtl, reapInterval, claimTtl, commandTimeout, reconnectMin,
                reconnectMax, maxPendingCommands, resumeGrace, history, topologyCheck, trustedCa, interval);
    }

    /** How long a claim on a dead node lasts: the grace its peers wait for, then the time to reap them. */
    Duration claimDuration() {
        return claimTtl.plus(resumeGrace);
    }

    private static void requirePositive(Duration d, String name) {
        if (d.isNegative() || d.isZero()) {
            throw new IllegalArgumentException(name + " must be positive");
        }
    }
}
