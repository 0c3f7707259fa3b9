package dev.drawbridge.cluster;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisCluster;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.RelayLedger;
import dev.drawbridge.testing.ResumingClient;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code kill -9} of a Redis Cluster primary under traffic, with three node processes: peers in
 * rooms of three, one on each node, relay to each other at a fixed rate; the primary that serves
 * the first peer's channel dies. Service comes back by itself (its replica is elected, the nodes
 * follow); every relay answered 200 is delivered exactly once, and every refusal is a 503 with
 * Retry-After.
 */
class RedisClusterFailoverIT {
    private static final int ROOMS = 3;
    private static final int ROOM_SIZE = 3;
    private static final long TICK_MILLIS = 100;
    private static final int MOST_RELAYS_PER_PEER = 600;
    private static final Duration MOST_LOAD_TIME = Duration.ofSeconds(60);

    private RedisCluster redis;
    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<ResumingClient> peers = new ArrayList<>();
    private ScheduledExecutorService load;

    private final RelayLedger relays = new RelayLedger();
    private final AtomicLong firstFailure = new AtomicLong();
    private final AtomicLong lastFailure = new AtomicLong();

    @AfterEach
    void stop() {
        if (load != null) {
            load.shutdownNow();
        }
        peers.forEach(ResumingClient::close);
        nodes.forEach(NodeProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aPrimaryKilledUnderTrafficIsReplacedAndEveryAcceptedRelayIsDeliveredOnce() throws InterruptedException {
        redis = RedisCluster.start();
        for (int i = 0; i < 3; i++) {
            nodes.add(NodeProcess.start("failover-" + i, "--redis-url", redis.url(), "--node-id", "failover-" + i,
                    "--max-room-size", Integer.toString(ROOM_SIZE)));
        }
        for (int i = 0; i < ROOMS * ROOM_SIZE; i++) {
            peers.add(ResumingClient.open(nodes.get(i % nodes.size()).baseUrl(), "peer" + i, relays::received));
        }
        Client.await("every peer's stream is open").until(() -> peers.stream()
                .allMatch(peer -> peer.events().stream().anyMatch(e -> e.event().equals("connected"))));
        for (int i = 0; i < peers.size(); i++) {
            HttpResponse<String> joined = Client.send(nodes.get(i % nodes.size()).baseUrl(), "POST",
                    "/failover-room-" + (i / ROOM_SIZE) + "/join", peers.get(i).token(), "{}");
            assertThat(joined.statusCode()).as("join: %s", joined.body()).isEqualTo(200);
        }
        Client.await("every peer knows its room-mates").until(() -> peers.stream()
                .allMatch(peer -> peer.events().stream().filter(e -> e.event().equals("add-peer")).count() == ROOM_SIZE - 1));

        load = relays.start(peers, ROOM_SIZE, i -> nodes.get(i % nodes.size()).baseUrl(),
                new RelayLedger.Load(Duration.ofMillis(TICK_MILLIS), MOST_RELAYS_PER_PEER, MOST_LOAD_TIME), ok -> {
                    if (!ok) {
                        firstFailure.compareAndSet(0, System.nanoTime());
                        lastFailure.set(System.nanoTime());
                    }
                });
        awaitSent(peers.size() * 10);
        long slot = (Long) redis.nodes().getFirst().call("CLUSTER", "KEYSLOT", "db:{peer:" + peers.getFirst().id() + "}:msg");
        RedisServer primary = redis.ownerOf((int) slot);
        long killed = System.nanoTime();
        redis.kill(primary);
        long elected = System.nanoTime();
        // Recovered: relays answered 200 again for a while after the election.
        int before = relays.accepted();
        Client.await("relays flow again").atMost(Duration.ofSeconds(20))
                .until(() -> relays.accepted() > before + peers.size() * 20);
        load.shutdown();
        assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        try {
            Awaitility.await("every accepted relay is delivered").atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50)).until(() -> relays.lost() == 0);
        } catch (ConditionTimeoutException e) {
            // The counts below say what is missing.
        }

        Map<String, Integer> failures = relays.failures();
        long withoutService = firstFailure.get() == 0 ? 0 : TimeUnit.NANOSECONDS.toMillis(lastFailure.get() - firstFailure.get());
        System.out.printf("""
                kill -9 of a primary under traffic, three nodes: replica elected %d ms after the kill
                  relays sent: %d; answered 200: %d; delivered: %d; lost: %d; duplicates: %d
                  time without service: %d ms; refused: %d, by status: %s
                """, TimeUnit.NANOSECONDS.toMillis(elected - killed), relays.sent(), relays.accepted(), relays.delivered(),
                relays.lost(), relays.duplicates(), withoutService, relays.failed(), failures);

        assertThat(relays.lost()).as("relays answered 200 not delivered").isZero();
        assertThat(relays.duplicates()).as("relays delivered twice").isZero();
        assertThat(failures.keySet()).as("failed relays answered 503 with Retry-After").allMatch(f -> f.startsWith("503 Retry-After "));
        assertThat(peers.stream().flatMap(p -> p.refusals().stream()))
                .as("refused streams answered 503 with Retry-After").allMatch(r -> r.status() == 503 && r.retryAfter());
    }

    private void awaitSent(int count) {
        Awaitility.await(count + " relays sent").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20)).until(() -> relays.sent() >= count);
    }
}
