package dev.drawbridge.http;

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
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/** The check that a relayed body is one JSON value, done on every relay. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonTextBenchmark {

    @Param({"ice-candidate", "session-description"})
    public String kind;

    private String body;

    @Setup
    public void setup() {
        body = Payloads.body(kind);
        if (!JsonText.isValid(body)) {
            throw new IllegalStateException("the benchmark's body must be valid JSON");
        }
    }

    @Benchmark
    public boolean isValid() {
        return JsonText.isValid(body);
    }
}
