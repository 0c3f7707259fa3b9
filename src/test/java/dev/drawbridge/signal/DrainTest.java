package dev.drawbridge.signal;

import dev.drawbridge.bus.Message;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The drain's schedule, on a real Vert.x with streams that record what they were told and when. */
class DrainTest {
    private static final Vertx vertx = Vertx.vertx();

    @AfterAll
    static void close() {
        vertx.close().await();
    }

    @Test
    void everyStreamIsToldToReconnectWithinTheWindowWithAMatchingRetryAndNoEventIdThenClosed() {
        List<Recorder> streams = recorders(10);

        Drain.Report report = drain(500, 128, streams);

        assertThat(report).isEqualTo(new Drain.Report(10, 1, 10));
        for (Recorder stream : streams) {
            assertThat(stream.told).extracting(Message::event).containsExactly("reconnect");
            assertThat(stream.ids).as("no event id").containsExactly("none");
            long afterMillis = new JsonObject(stream.told.get(0).data()).getLong("after_ms");
            assertThat(afterMillis).isBetween(0L, 499L);
            assertThat(stream.retryMillis).isEqualTo(afterMillis);
            assertThat(stream.closedAtNanos).isPositive();
        }
    }

    @Test
    void noStepClosesMoreThanABatchAndTheReconnectionsSpreadEvenlyOverTheWindow() {
        List<Recorder> streams = recorders(1000);
        long startNanos = System.nanoTime();

        Drain.Report report = drain(800, 128, streams);

        assertThat(report.streams()).isEqualTo(1000);
        assertThat(report.steps()).isEqualTo(8);
        assertThat(report.mostInOneStep()).isEqualTo(128);
        List<Long> closes = streams.stream().map(s -> s.closedAtNanos).sorted().toList();
        for (int i = 0; i + 128 < closes.size(); i++) {
            assertThat(TimeUnit.NANOSECONDS.toMillis(closes.get(i + 128) - closes.get(i)))
                    .as("129 closes span half a step's interval (100 ms) at least").isGreaterThanOrEqualTo(45);
        }
        // When each browser comes back: its stream's close plus the delay it was told.
        int[] quarters = new int[4];
        for (Recorder stream : streams) {
            long back = TimeUnit.NANOSECONDS.toMillis(stream.closedAtNanos - startNanos) + stream.retryMillis;
            assertThat(back).isLessThan(800 + 300);
            quarters[(int) Math.min(3, back / 200)]++;
        }
        assertThat(IntStream.of(quarters).boxed().toList()).as("reconnections in each quarter of the window")
                .allSatisfy(count -> assertThat(count).isBetween(100, 400));
    }

    @Test
    void aStreamThatOpensWhileTheDrainRunsIsMovedToo() {
        List<Recorder> streams = new CopyOnWriteArrayList<>(recorders(3));
        Recorder late = new Recorder();
        int[] asked = {0};

        Drain.Report report = new Drain(vertx, new Drain.Settings(Duration.ofMillis(300), 2), new Random(7))
                .run(() -> {
                    if (asked[0]++ == 1) {
                        streams.add(late);
                    }
                    return List.copyOf(streams);
                })
                .await();

        assertThat(report.streams()).isEqualTo(4);
        assertThat(late.told).extracting(Message::event).containsExactly("reconnect");
        assertThat(late.closedAtNanos).isPositive();
    }

    @Test
    void aNodeWithNoStreamIsDrainedAtOnce() {
        assertThat(drain(10_000, 128, List.of())).isEqualTo(new Drain.Report(0, 0, 0));
    }

    private static Drain.Report drain(long windowMillis, int batch, List<Recorder> streams) {
        List<Stream> listed = List.copyOf(streams);
        return new Drain(vertx, new Drain.Settings(Duration.ofMillis(windowMillis), batch), new Random(42))
                .run(() -> listed)
                .await();
    }

    private static List<Recorder> recorders(int count) {
        return new ArrayList<>(IntStream.range(0, count).mapToObj(i -> new Recorder()).toList());
    }

    /** A stream that records what the drain told it, and when it was closed. */
    private static final class Recorder implements Stream {
        final List<Message> told = new CopyOnWriteArrayList<>();
        final List<String> ids = new CopyOnWriteArrayList<>();
        volatile long retryMillis = -1;
        volatile long closedAtNanos;

        @Override
        public void send(String id, Message message) {
            ids.add(id);
            told.add(message);
        }

        @Override
        public void send(Message message) {
            send("none", message);
        }

        @Override
        public void retry(long millis) {
            retryMillis = millis;
        }

        @Override
        public void close() {
            if (closedAtNanos == 0) {
                closedAtNanos = System.nanoTime();
            }
        }

        @Override
        public void onClose(Runnable handler) {}
    }
}
