package dev.drawbridge.signal;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ThrottleTest {

    @Test
    void noMoreThanTheLimitRunAtOnceAndTheRestStartInOrderAsOthersFinish() {
        Throttle throttle = new Throttle(3);
        List<Promise<Void>> started = new ArrayList<>();
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            int n = i;
            throttle.run(() -> {
                order.add(n);
                Promise<Void> promise = Promise.promise();
                started.add(promise);
                return promise.future();
            });
        }
        assertThat(started).hasSize(3);
        assertThat(throttle.running()).isEqualTo(3);

        started.get(1).complete();
        assertThat(started).hasSize(4);
        started.get(0).fail("a failed task frees its place too");
        started.get(2).complete();

        assertThat(started).hasSize(6);
        assertThat(throttle.running()).isEqualTo(3);
        for (int i = 3; i < 10; i++) {
            started.get(i).complete();
        }
        assertThat(throttle.running()).isZero();
        assertThat(order).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void tasksThatFinishAtOnceRunOneAfterAnother() {
        Throttle throttle = new Throttle(1);
        List<Integer> ran = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) {
            int n = i;
            throttle.run(() -> {
                ran.add(n);
                return Future.succeededFuture();
            });
        }
        assertThat(ran).hasSize(10_000);
        assertThat(throttle.running()).isZero();
    }
}
