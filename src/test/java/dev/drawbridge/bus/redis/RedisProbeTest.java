package dev.drawbridge.bus.redis;

import dev.drawbridge.bus.Delivery;
import dev.drawbridge.bus.Message;
import dev.drawbridge.testing.RedisServer;
import org.junit.jupiter.api.DisplayNameGeneration;
import org.junit.jupiter.api.DisplayNameGenerator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

import static dev.drawbridge.testing.Futures.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The probe of a subscriber connection on standalone Redis: {@code kill -STOP} stalls the server
 * with every connection open; the probe finds it, the connection is made again once the server
 * goes on ({@code kill -CONT}), its subscriptions are back, and every relay answered 200 arrives
 * exactly once. Without the probe ({@code probeInterval} zero) nothing notices the stall.
 */
@DisplayNameGeneration(DisplayNameGenerator.ReplaceUnderscores.class)
class RedisProbeTest {
    @RegisterExtension
    static final RedisNodes redis = new RedisNodes();
    private static final int PEERS = 8;
    private static final Duration INTERVAL = Duration.ofMillis(500);

    @Test
    void a_stalled_server_is_found_by_the_probe_and_the_subscriptions_come_back_when_it_goes_on() throws Exception {
        RedisSettings settings = RedisSettings.defaults().withProbeInterval(INTERVAL);
        RedisBackend sender = redis.connect("sender-" + UUID.randomUUID(), settings);
        RedisBackend receiver = redis.connect("receiver-" + UUID.randomUUID(), settings);
        List<String> peers = new ArrayList<>();
        Map<String, Queue<String>> received = new ConcurrentHashMap<>();
        for (int i = 0; i < PEERS; i++) {
            String peer = "peer-" + i + "-" + UUID.randomUUID();
            peers.add(peer);
            Queue<String> got = new ConcurrentLinkedQueue<>();
            received.put(peer, got);
            get(receiver.bus().subscribe(peer, d -> {
                if (d instanceof Delivery.Event event) {
                    got.add(event.message().data());
                }
            }));
        }
        // Relays every 10 ms, round-robin, bounded in count; each answered one noted with its time.
        AtomicBoolean stop = new AtomicBoolean();
        List<long[]> accepted = Collections.synchronizedList(new ArrayList<>());
        Thread traffic = Thread.ofPlatform().start(() -> {
            for (int i = 0; i < 5_000 && !stop.get(); i++) {
                long at = System.nanoTime();
                try {
                    get(sender.bus().deliver(peers.get(i % PEERS), new Message("relay", "m" + i)));
                    accepted.add(new long[] {i, at});
                } catch (RuntimeException refused) {
                    // Refused while Redis stalls: counted by what was accepted.
                }
                LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
            }
        });
        RedisServer server = redis.server();
        boolean stalled = false;
        try {
            await().atMost(Duration.ofSeconds(5)).until(() -> received.values().stream().noneMatch(Queue::isEmpty));

            server.pause();
            stalled = true;
            long paused = System.nanoTime();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
                    .until(() -> receiver.probeFailures() > 0);
            long detected = System.nanoTime();
            server.resume();
            stalled = false;
            long resumed = System.nanoTime();
            // Back: connected, and every peer got a relay answered after the server went on.
            await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> receiver.isReady()
                    && peers.stream().allMatch(peer -> arrivedAfter(accepted, received, peers, peer, resumed)));
            long recovered = System.nanoTime();
            stop.set(true);
            traffic.join(10_000);

            List<long[]> all;
            synchronized (accepted) {
                all = List.copyOf(accepted);
            }
            await().atMost(Duration.ofSeconds(5)).until(() -> all.stream().allMatch(a ->
                    received.get(peers.get((int) a[0] % PEERS)).contains("m" + a[0])));
            for (long[] a : all) {
                String peer = peers.get((int) a[0] % PEERS);
                assertThat(received.get(peer).stream().filter(("m" + a[0])::equals).count())
                        .as("relay m%d delivered once", a[0]).isEqualTo(1);
            }
            System.out.printf("kill -STOP of standalone Redis: probe missed after %d ms (interval %d ms), "
                            + "service back %d ms after kill -CONT; %d relays answered 200, all delivered once, %d probes missed%n",
                    ms(detected - paused), INTERVAL.toMillis(), ms(recovered - resumed), all.size(), receiver.probeFailures());
            assertThat(ms(detected - paused)).isLessThan(3 * INTERVAL.toMillis() + 1_000);
        } finally {
            stop.set(true);
            if (stalled) {
                server.resume();
            }
        }
    }

    private static boolean arrivedAfter(List<long[]> accepted, Map<String, Queue<String>> received, List<String> peers,
                                        String peer, long after) {
        synchronized (accepted) {
            return accepted.stream().filter(a -> a[1] > after && peers.get((int) a[0] % PEERS).equals(peer))
                    .anyMatch(a -> received.get(peer).contains("m" + a[0]));
        }
    }

    private static long ms(long nanos) {
        return TimeUnit.NANOSECONDS.toMillis(nanos);
    }
}
