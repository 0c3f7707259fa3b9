package dev.drawbridge.signal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.time.Duration;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * Moves the streams of a node that is stopping to the other nodes: each stream gets
 * {@code reconnect {"after_ms"}} with an SSE retry of the same delay, then is closed, and its browser
 * reconnects after that delay, through the load balancer, to another node. Nothing else happens to
 * the peer here: it is not unregistered and its rooms are told nothing; what the end of a stream
 * means for its peer is the session's business, as for any stream that ends.
 *
 * <p>The schedule: each stream draws a time to reconnect, uniform over the window; the streams are
 * closed in the order of their times, at most {@code batch} in one step, the steps spaced evenly over
 * the window, and each is told to wait what is left until its time. So the other nodes see the
 * reconnections spread evenly over the window however many streams there are, the node never closes
 * more than a batch at once, and no browser waits longer than its time. {@code reconnect} carries no
 * event id: like {@code connected} and {@code ping} it is about the stream, not a place in the peer's
 * sequence.
 *
 * <p>A stream that opens while the drain runs (the node refuses new ones, but one may have slipped
 * in just before) is moved after the others, at the same pace.
 */
public final class Drain {

    /** {@code window}: the span of the reconnections; {@code batch}: most streams closed in one step. */
    public record Settings(Duration window, int batch) {
        public Settings {
            if (window.isNegative() || window.isZero() || batch < 1) {
                throw new IllegalArgumentException("a drain needs a positive window and batch");
            }
        }
    }

    /** What a drain did: streams moved, in how many steps, and the most closed in one step. */
    public record Report(int streams, int steps, int mostInOneStep) {}

    private final Vertx vertx;
    private final Settings settings;
    private final RandomGenerator random;

    public Drain(Vertx vertx, Settings settings, RandomGenerator random) {
        this.vertx = vertx;
        this.settings = settings;
        this.random = random;
    }

    /**
     * Moves every stream that {@code streams} lists, asking it again once those are done until it
     * lists none that was not moved. Completes when the last stream was told and closed.
     */
    public Future<Report> run(Supplier<List<Stream>> streams) {
        return new Run(streams).start();
    }

    /** One drain's state; its steps run one after the other (each schedules the next). */
    private final class Run {
        private final Supplier<List<Stream>> source;
        private final long startNanos = System.nanoTime();
        private final Set<Stream> moved = Collections.newSetFromMap(new IdentityHashMap<>());
        private final Promise<Report> done = Promise.promise();
        private List<Stream> queue = List.of();
        private long[] targets = new long[0];
        private int next;
        private long intervalMillis;
        private long planStartMillis;
        private int planSteps;
        private int steps;
        private int most;

        Run(Supplier<List<Stream>> source) {
            this.source = source;
        }

        Future<Report> start() {
            plan(source.get(), settings.window().toMillis());
            step();
            return done.future();
        }

        /** Draws the streams' times over {@code windowMillis} from now, and the pace of the steps. */
        private void plan(List<Stream> streams, long windowMillis) {
            long from = elapsedMillis();
            planStartMillis = from;
            planSteps = 0;
            queue = streams;
            targets = new long[streams.size()];
            for (int i = 0; i < targets.length; i++) {
                targets[i] = from + (long) (random.nextDouble() * windowMillis);
            }
            Arrays.sort(targets);
            next = 0;
            int stepsNeeded = (streams.size() + settings.batch() - 1) / settings.batch();
            intervalMillis = stepsNeeded == 0 ? 0 : windowMillis / stepsNeeded;
        }

        private void step() {
            int closed = 0;
            for (; next < queue.size() && closed < settings.batch(); next++) {
                Stream stream = queue.get(next);
                long afterMillis = Math.max(0, targets[next] - elapsedMillis());
                stream.retry(afterMillis);
                stream.send(new ServerEvent.Reconnect(afterMillis).message());
                stream.close();
                moved.add(stream);
                closed++;
            }
            if (closed > 0) {
                steps++;
                planSteps++;
                most = Math.max(most, closed);
            }
            if (next == queue.size()) {
                List<Stream> late = source.get().stream().filter(stream -> !moved.contains(stream)).toList();
                if (late.isEmpty()) {
                    done.complete(new Report(moved.size(), steps, most));
                    return;
                }
                int lateSteps = (late.size() + settings.batch() - 1) / settings.batch();
                plan(late, Math.max(1, intervalMillis) * lateSteps);
                vertx.setTimer(Math.max(1, intervalMillis), timer -> step());
                return;
            }
            // On time: the step's place in the plan. Late (a busy machine): catch up, but never
            // closer than half an interval to the step before.
            long due = planStartMillis + planSteps * intervalMillis - elapsedMillis();
            vertx.setTimer(Math.max(Math.max(1, intervalMillis / 2), due), timer -> step());
        }

        private long elapsedMillis() {
            return (System.nanoTime() - startNanos) / 1_000_000;
        }
    }
}
