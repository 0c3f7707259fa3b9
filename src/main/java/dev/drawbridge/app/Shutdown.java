package dev.drawbridge.app;

import dev.drawbridge.signal.Drain;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How a node process stops when told to. The first SIGTERM (or SIGINT) drains the node
 * ({@link Drawbridge#drain}); the process exits once the drain is done, with status 0, or at the
 * drain deadline with whatever is left undone, with status 1. A second SIGTERM or SIGINT during the
 * drain exits at once (status 128 + the signal's number, as a shell reports a signal), which leaves
 * the node's peers to the other nodes' clean-up of a dead node.
 *
 * <p>The JVM's own handling of these signals (shutdown hooks) cannot tell a second signal from the
 * first: a second SIGTERM would only wait for the hooks. So the signals are handled here; where the
 * JVM does not let them be (it was started with {@code -Xrs}), a shutdown hook drains instead, and
 * only SIGKILL stops the drain.
 */
final class Shutdown {
    private static final Logger log = LoggerFactory.getLogger(Shutdown.class);

    private final CountDownLatch signalled = new CountDownLatch(1);
    private final AtomicBoolean told = new AtomicBoolean();

    private Shutdown() {}

    /** Waits for the first signal, drains {@code node}, and answers the status to exit with. */
    static int awaitAndDrain(Drawbridge node, Duration deadline) throws InterruptedException {
        Shutdown shutdown = new Shutdown();
        boolean term = shutdown.handle("TERM");
        boolean interrupt = shutdown.handle("INT");
        if (!term || !interrupt) {
            Runtime.getRuntime().addShutdownHook(new Thread(() -> drain(node, deadline), "drawbridge-drain"));
            log.warn("this JVM does not let the node handle SIGTERM and SIGINT: a shutdown hook drains it, "
                    + "and a second signal cannot cut the drain short");
            new CountDownLatch(1).await(); // the JVM exits once the hook has drained the node
        }
        shutdown.signalled.await();
        return drain(node, deadline);
    }

    private boolean handle(String name) {
        try {
            Signal.handle(new Signal(name), this::received);
            return true;
        } catch (IllegalArgumentException refused) {
            return false;
        }
    }

    private void received(Signal signal) {
        if (told.compareAndSet(false, true)) {
            log.info("SIG{}: draining (send it again to stop at once)", signal.getName());
            signalled.countDown();
            return;
        }
        log.warn("SIG{} again: stopping at once", signal.getName());
        // halt, not exit: exit would wait for a drain's exit already under way.
        Runtime.getRuntime().halt(128 + signal.getNumber());
    }

    private static int drain(Drawbridge node, Duration deadline) {
        long startNanos = System.nanoTime();
        long deadlineNanos = startNanos + deadline.toNanos();
        try {
            Drain.Report report = node.drain().toCompletionStage().toCompletableFuture()
                    .get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            node.stop().toCompletionStage().toCompletableFuture()
                    .get(deadlineNanos - System.nanoTime(), TimeUnit.NANOSECONDS);
            log.info("drained in {} ms: {} streams moved in {} steps (at most {} in one), "
                            + "then the listeners closed; stopped",
                    (System.nanoTime() - startNanos) / 1_000_000, report.streams(), report.steps(),
                    report.mostInOneStep());
            return 0;
        } catch (TimeoutException e) {
            log.warn("the drain deadline of {} ms passed: exiting with the drain unfinished", deadline.toMillis());
            return 1;
        } catch (ExecutionException e) {
            log.warn("the drain failed: {}", e.getCause().toString());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
    }
}
