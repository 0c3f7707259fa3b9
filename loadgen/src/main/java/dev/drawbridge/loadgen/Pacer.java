package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;

/**
 * Issues {@code total} operations, numbered from 0, either at a fixed rate or as fast as answers
 * come back, never with more than {@code maxInFlight} unanswered; stops issuing at the deadline.
 * Completes once every issued operation has been answered.
 */
final class Pacer {
    private static final int MAX_DEPTH = 32;
    private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

    private final Vertx vertx;
    private final long total;
    private final double rate;
    private final int maxInFlight;
    private final long deadline;
    private final LongFunction<Future<?>> operation;
    private final AtomicLong next = new AtomicLong();
    private final AtomicLong completed = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final Promise<Void> done = Promise.promise();
    private volatile boolean stopped;
    private long startedAt;
    private long timer = -1;
    private volatile long finishedAt;

    Pacer(Vertx vertx, long total, double rate, int maxInFlight, long deadlineNanos, LongFunction<Future<?>> operation) {
        this.vertx = vertx;
        this.total = total;
        this.rate = rate;
        this.maxInFlight = maxInFlight;
        this.deadline = deadlineNanos;
        this.operation = operation;
    }

    /** Starts issuing; the future completes when every issued operation was answered. */
    Future<Void> start() {
        startedAt = System.nanoTime();
        if (total == 0) {
            finishedAt = startedAt;
            done.tryComplete();
            return done.future();
        }
        if (rate > 0) {
            // Timers fire at most every millisecond: each tick issues what the rate says is due.
            timer = vertx.setPeriodic(1, id -> tick());
        } else {
            vertx.runOnContext(v -> {
                for (int i = 0; i < maxInFlight; i++) {
                    if (!issueOne()) {
                        break;
                    }
                }
            });
        }
        return done.future();
    }

    long issued() {
        return Math.min(next.get(), total);
    }

    long completed() {
        return completed.get();
    }

    int inFlight() {
        return inFlight.get();
    }

    boolean truncated() {
        return stopped && issued() < total;
    }

    /** Seconds from start to the last answer (or to now, while running). */
    double elapsedSeconds() {
        long end = finishedAt != 0 ? finishedAt : System.nanoTime();
        return (end - startedAt) / 1e9;
    }

    private void tick() {
        if (System.nanoTime() > deadline) {
            stop();
            return;
        }
        long due = Math.min(total, (long) ((System.nanoTime() - startedAt) * rate / 1e9) + 1);
        while (next.get() < due && inFlight.get() < maxInFlight) {
            if (!issueOne()) {
                break;
            }
        }
        if (next.get() >= total) {
            vertx.cancelTimer(timer);
        }
    }

    private boolean issueOne() {
        if (stopped || System.nanoTime() > deadline) {
            stop();
            return false;
        }
        long k = next.getAndIncrement();
        if (k >= total) {
            return false;
        }
        inFlight.incrementAndGet();
        Future<?> answer;
        try {
            answer = operation.apply(k);
        } catch (RuntimeException e) {
            answer = Future.failedFuture(e);
        }
        answer.onComplete(result -> answered());
        return true;
    }

    private void answered() {
        inFlight.decrementAndGet();
        long count = completed.incrementAndGet();
        if (count >= total || (stopped && inFlight.get() == 0)) {
            finish();
            return;
        }
        if (rate <= 0) {
            // An operation answered at once (a wire with nothing to ask the server) is answered inside
            // issueOne: past a few levels of that recursion the next one starts on a fresh stack.
            int[] depth = DEPTH.get();
            if (depth[0] >= MAX_DEPTH) {
                vertx.runOnContext(v -> issueOne());
                return;
            }
            depth[0]++;
            try {
                issueOne();
            } finally {
                depth[0]--;
            }
        }
    }

    /** Issues no more; {@link #start}'s future completes once those in flight are answered. */
    void stop() {
        stopped = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        if (inFlight.get() == 0) {
            finish();
        }
    }

    private void finish() {
        if (finishedAt == 0) {
            finishedAt = System.nanoTime();
        }
        done.tryComplete();
    }
}
