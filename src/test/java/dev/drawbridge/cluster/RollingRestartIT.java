package dev.drawbridge.cluster;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.Nginx;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.RelayLedger;
import dev.drawbridge.testing.ResumingClient;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A deploy under load, as docs/DEPLOYMENT.md does it: three node processes on one Redis behind
 * nginx configured with deploy/nginx/drawbridge.conf; peers in rooms of four relay to each other at
 * a fixed rate through nginx; each node in turn gets SIGTERM, drains, exits, and starts again on its
 * port. The peers are EventSource-like clients that resume with Last-Event-ID after the delay the
 * draining node told them. Nothing may be lost, doubled or reordered, and no one may leave.
 */
class RollingRestartIT {
    private static final int ROOMS = 3;
    private static final int ROOM_SIZE = 4;
    private static final long TICK_MILLIS = 100;
    private static final int MOST_RELAYS_PER_PEER = 2_000;
    private static final Duration MOST_LOAD_TIME = Duration.ofSeconds(120);

    private RedisServer redis;
    private final List<NodeProcess> nodes = new CopyOnWriteArrayList<>();
    private Nginx nginx;
    private final List<ResumingClient> peers = new ArrayList<>();
    private ScheduledExecutorService load;

    private final RelayLedger relays = new RelayLedger();
    private final AtomicInteger removePeers = new AtomicInteger();
    private final AtomicInteger resyncs = new AtomicInteger();

    @AfterEach
    void stop() {
        if (load != null) {
            load.shutdownNow();
        }
        peers.forEach(ResumingClient::close);
        if (nginx != null) {
            nginx.close();
        }
        nodes.forEach(NodeProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void aRollingRestartUnderLoadDeliversEveryAcceptedRelayOnceAndInOrderAndNoOneLeaves() throws InterruptedException {
        redis = RedisServer.start();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            NodeProcess node = NodeProcess.start("rolling-" + i, flags(i, 0));
            nodes.add(node);
            ports.add(node.port());
        }
        nginx = Nginx.start(ports);
        for (int i = 0; i < ROOMS * ROOM_SIZE; i++) {
            peers.add(ResumingClient.open(nginx.baseUrl(), "peer" + i, this::received));
        }
        Client.await("every peer's stream is open").until(() -> peers.stream()
                .allMatch(peer -> peer.events().stream().anyMatch(e -> e.event().equals("connected"))));
        for (int i = 0; i < peers.size(); i++) {
            HttpResponse<String> joined = Client.send(nginx.baseUrl(), "POST", "/rolling-room-" + (i / ROOM_SIZE) + "/join",
                    peers.get(i).token(), "{}");
            assertThat(joined.statusCode()).as("join: %s", joined.body()).isEqualTo(200);
        }
        Client.await("every peer knows its three room-mates").until(() -> peers.stream()
                .allMatch(peer -> peer.events().stream().filter(e -> e.event().equals("add-peer")).count() == ROOM_SIZE - 1));

        load = relays.start(peers, ROOM_SIZE, i -> nginx.baseUrl(),
                new RelayLedger.Load(Duration.ofMillis(TICK_MILLIS), MOST_RELAYS_PER_PEER, MOST_LOAD_TIME), ok -> { });
        awaitSent(peers.size() * 10);
        long rollingNanos = System.nanoTime();
        List<Integer> exits = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
            NodeProcess draining = nodes.get(i);
            long signalled = System.nanoTime();
            draining.signal("TERM");
            exits.add(draining.awaitExit(Duration.ofSeconds(15)));
            long exited = System.nanoTime();
            NodeProcess restarted = NodeProcess.start("rolling-" + i + "-restarted", flags(i, ports.get(i)));
            nodes.set(i, restarted);
            Client.await("the restarted node is ready").atMost(Duration.ofSeconds(15))
                    .until(() -> Client.send(restarted.baseUrl(), "GET", "/readyz", null, null).statusCode() == 200);
            long ready = System.nanoTime();
            // nginx's passive checks put it back in rotation once fail_timeout has passed since its last
            // failure; draining the next node before that would leave one node to serve all, and one
            // refusal there ("no live upstreams": 502 for everyone). The deploy procedure waits for it too.
            Client.await("nginx sends relays to the restarted node").atMost(Duration.ofSeconds(15))
                    .until(() -> relaysServed(restarted) > 0);
            System.out.printf("node %d: exited %d ms after SIGTERM, ready again %d ms later, in nginx's rotation %d ms after that%n",
                    i, TimeUnit.NANOSECONDS.toMillis(exited - signalled), TimeUnit.NANOSECONDS.toMillis(ready - exited),
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - ready));
        }
        long rolledMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - rollingNanos);
        awaitSent(relays.sent() + peers.size() * 10);
        load.shutdown();
        assertThat(load.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
        try {
            Awaitility.await("every accepted relay is delivered").atMost(Duration.ofSeconds(25))
                    .pollInterval(Duration.ofMillis(50)).until(() -> relays.lost() == 0);
        } catch (ConditionTimeoutException e) {
            // The counts below say what is missing.
        }

        int acceptedCount = relays.accepted();
        Map<String, Integer> failures = relays.failures();
        List<ResumingClient.Refusal> refusals = peers.stream().flatMap(p -> p.refusals().stream()).toList();
        int streams = peers.stream().mapToInt(ResumingClient::streamsOpened).sum();
        System.out.printf("""
                rolling restart of 3 nodes under load, in %d ms: node exits %s
                  relays sent: %d; answered 200: %d; delivered: %d; lost: %d; duplicates: %d; out of order: %d (per pair)
                  failed relays by status: %s
                  remove-peer seen: %d; resync seen: %d
                  streams opened: %d by %d peers; streams refused: %s
                """, rolledMillis, exits, relays.sent(), acceptedCount, relays.delivered(), relays.lost(), relays.duplicates(),
                relays.outOfOrder(), failures,
                removePeers.get(), resyncs.get(), streams, peers.size(), refusals);

        assertThat(exits).as("each node drains and exits 0").containsOnly(0);
        assertThat(acceptedCount).as("relays were answered 200 all along").isGreaterThan(peers.size() * 20);
        assertThat(relays.lost()).as("accepted relays not delivered").isZero();
        assertThat(relays.duplicates()).as("relays delivered twice").isZero();
        assertThat(relays.outOfOrder()).as("relays out of order per pair").isZero();
        assertThat(removePeers.get()).as("remove-peer events").isZero();
        assertThat(resyncs.get()).as("resync events").isZero();
        assertThat(failures.keySet()).as("failed relays answered 503 with Retry-After").allMatch(f -> f.startsWith("503 Retry-After "));
        assertThat(refusals).as("refused streams answered 503 with Retry-After")
                .allMatch(r -> r.status() == 503 && r.retryAfter());
    }

    /** A node keeps its name and port across its restart, as under systemd. */
    private String[] flags(int node, int port) {
        return new String[] {"--redis-url", redis.url(), "--node-id", "rolling-" + node, "--port", Integer.toString(port),
                "--max-room-size", Integer.toString(ROOM_SIZE), "--drain-spread", "2s", "--drain-timeout", "10s"};
    }

    private void received(ResumingClient target, SseEvent event) {
        relays.received(target, event);
        switch (event.event()) {
            case "remove-peer" -> removePeers.incrementAndGet();
            case "resync" -> resyncs.incrementAndGet();
            default -> { }
        }
    }

    /** The relays a node has handled, whatever their outcome ({@code drawbridge_relays_total}). */
    private static double relaysServed(NodeProcess node) {
        return TestNode.metrics(node.baseUrl()).lines()
                .filter(line -> line.startsWith("drawbridge_relays_total{"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .sum();
    }

    private void awaitSent(int count) {
        Awaitility.await(count + " relays sent").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(20)).until(() -> relays.sent() >= count);
    }
}
