package dev.drawbridge.signal;

import io.vertx.core.Future;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Runs asynchronous tasks, at most {@code limit} at a time, the others in the order they came.
 * Never blocks: a task that cannot start now is queued and started when one in flight completes.
 */
final class Throttle {
    private final int limit;
    private final Queue<Supplier<Future<?>>> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger running = new AtomicInteger();

    Throttle(int limit) {
        this.limit = limit;
    }

    /** Starts {@code task} now if fewer than the limit run, else when its turn comes. */
    void run(Supplier<Future<?>> task) {
        waiting.add(task);
        pump();
    }

    /** How many tasks are in flight. */
    int running() {
        return running.get();
    }

    private void pump() {
        while (!waiting.isEmpty()) {
            int now = running.get();
            if (now >= limit) {
                return;
            }
            if (!running.compareAndSet(now, now + 1)) {
                continue;
            }
            Supplier<Future<?>> task = waiting.poll();
            if (task == null) {
                running.decrementAndGet();
                continue;
            }
            Future<?> done;
            try {
                done = task.get();
            } catch (RuntimeException e) {
                done = Future.failedFuture(e);
            }
            done.onComplete(finished -> {
                running.decrementAndGet();
                pump();
            });
        }
    }
}
