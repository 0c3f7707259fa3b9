package dev.drawbridge.http;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What the relay limit adds to each relay: finding the sender's bucket in the table of peers and
 * taking a token (a limit so high that it always passes), from two threads at once as two event
 * loops would.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(2)
public class RelayLimitBenchmark {

    /** Peers with a bucket in the table. */
    @Param({"1000", "20000"})
    public int peers;

    private Limits limits;
    private String[] ids;

    @Setup
    public void setup() {
        RateLimits.Rate huge = new RateLimits.Rate(1_000_000_000L, Duration.ofSeconds(1));
        limits = new Limits(new RateLimits(huge, RateLimits.Rate.OFF, RateLimits.Rate.OFF, RateLimits.Rate.OFF,
                RateLimits.Rate.OFF, 0, 0, Duration.ofSeconds(5), List.of()), new SimpleMeterRegistry());
        ids = new String[peers];
        for (int i = 0; i < peers; i++) {
            ids[i] = UUID.randomUUID().toString();
            limits.relayBucket(ids[i]);
        }
    }

    /** Each thread walks the peers in its own order. */
    @State(Scope.Thread)
    public static class Cursor {
        int next = (int) (Math.random() * 1_000_000);
    }

    @Benchmark
    public boolean lookUpAndTake(Cursor cursor) {
        String id = ids[Math.floorMod(cursor.next += 7919, ids.length)];
        return limits.relayBucket(id).tryConsume(1);
    }
}
