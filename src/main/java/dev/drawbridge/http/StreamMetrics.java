package dev.drawbridge.http;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/** What the node's event streams count: how many are open, and how many were closed for being slow. */
final class StreamMetrics {
    private final AtomicInteger open = new AtomicInteger();
    private final Counter slow;

    StreamMetrics(MeterRegistry registry) {
        registry.gauge("drawbridge.streams.open", List.of(), open);
        this.slow = registry.counter("drawbridge.streams.slow.closed");
    }

    void opened() {
        open.incrementAndGet();
    }

    void closed() {
        open.decrementAndGet();
    }

    void slowClosed() {
        slow.increment();
    }

    int open() {
        return open.get();
    }
}
