package dev.drawbridge.loadgen;

import io.vertx.core.json.JsonObject;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * End-to-end latencies in nanoseconds, recorded from any thread; read per second for the progress
 * line and in total for the summary. Values above one minute are clamped to it.
 */
final class Latency {
    static final long MAX_NANOS = 60_000_000_000L;

    private final Recorder recorder = new Recorder(MAX_NANOS, 3);
    private final Histogram total = new Histogram(MAX_NANOS, 3);
    private Histogram interval;

    void record(long nanos) {
        recorder.recordValue(Math.min(Math.max(nanos, 0), MAX_NANOS));
    }

    /** The values since the previous call; they are added to the total as well. */
    synchronized Histogram interval() {
        interval = recorder.getIntervalHistogram(interval);
        total.add(interval);
        return interval;
    }

    /** Everything recorded so far. */
    synchronized Histogram total() {
        interval();
        return total.copy();
    }

    /** Percentiles in milliseconds, as the summary shows them. */
    static JsonObject summary(Histogram h) {
        return new JsonObject()
                .put("count", h.getTotalCount())
                .put("p50", ms(h.getValueAtPercentile(50)))
                .put("p90", ms(h.getValueAtPercentile(90)))
                .put("p99", ms(h.getValueAtPercentile(99)))
                .put("p999", ms(h.getValueAtPercentile(99.9)))
                .put("max", ms(h.getMaxValue()))
                .put("mean", h.getTotalCount() == 0 ? 0.0 : Math.round(h.getMean() / 1_000.0) / 1_000.0);
    }

    static double ms(long nanos) {
        return Math.round(nanos / 1_000.0) / 1_000.0;
    }
}
