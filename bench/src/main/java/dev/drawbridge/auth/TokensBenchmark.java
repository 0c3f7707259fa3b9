package dev.drawbridge.auth;

import dev.drawbridge.bus.Peer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** Token verification, done on every authenticated request; and issuing, done on every POST /access. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class TokensBenchmark {
    private Tokens tokens;
    private String token;

    @Setup
    public void setup() throws TokenException {
        byte[] secret = "a benchmark secret of at least thirty-two bytes".getBytes(StandardCharsets.UTF_8);
        tokens = new Tokens(secret, Duration.ofHours(1), Duration.ofMinutes(5), Clock.systemUTC());
        token = tokens.issue("ada");
        tokens.verify(token);
    }

    @Benchmark
    public Peer verify() throws TokenException {
        return tokens.verify(token);
    }

    @Benchmark
    public String issue() {
        return tokens.issue("ada");
    }
}
