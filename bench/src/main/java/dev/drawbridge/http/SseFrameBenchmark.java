package dev.drawbridge.http;

import dev.drawbridge.bus.Message;
import io.vertx.core.buffer.Buffer;
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

/** The SSE framing of one delivered event: {@code id}, {@code event} and one {@code data} line. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class SseFrameBenchmark {

    /** An ICE candidate (about 300 bytes of data) or an SDP offer (about 2.5 KB). */
    @Param({"ice-candidate", "session-description"})
    public String kind;

    private Message message;
    private long id;

    @Setup
    public void setup() {
        message = new Message(kind, Payloads.envelope(kind));
    }

    @Benchmark
    public Buffer frame() {
        return SseStream.frameOf(Long.toString(++id), message);
    }
}
