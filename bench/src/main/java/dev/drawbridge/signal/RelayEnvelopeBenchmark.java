package dev.drawbridge.signal;

import dev.drawbridge.bus.Message;
import dev.drawbridge.bus.Peer;
import dev.drawbridge.http.Payloads;
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

/** The relay envelope: {"peer": sender, "data": body}, built once per relay. */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RelayEnvelopeBenchmark {

    @Param({"ice-candidate", "session-description"})
    public String kind;

    private Peer sender;
    private String body;

    @Setup
    public void setup() {
        sender = new Peer("0f8fad5b-d9cb-469f-a165-70867728950e", "ada");
        body = Payloads.body(kind);
        String expected = Payloads.envelope(kind);
        String actual = new ServerEvent.Relayed(kind, sender, body).message().data();
        if (!actual.equals(expected)) {
            throw new IllegalStateException("the envelope is not what browsers expect: " + actual);
        }
    }

    @Benchmark
    public Message envelope() {
        return new ServerEvent.Relayed(kind, sender, body).message();
    }
}
