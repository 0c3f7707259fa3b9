package dev.drawbridge.cluster;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** Redis goes away under traffic and comes back: the nodes say so, then recover by themselves. */
class RedisOutageIT {
    private static RedisServer redis;
    private static NodeProcess one;
    private static NodeProcess two;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        one = NodeProcess.start("outage-node-1", "--redis-url", redis.url(), "--resume-grace", "500ms");
        two = NodeProcess.start("outage-node-2", "--redis-url", redis.url());
    }

    @AfterAll
    static void stop() {
        for (NodeProcess node : new NodeProcess[] {one, two}) {
            if (node != null) {
                node.close();
            }
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void duringAnOutageRequestsGet503AndAfterItTheNodesServeAgainWithoutARestart() {
        Client ada = Client.access(one.baseUrl(), "ada").connect();
        Client bob = Client.access(two.baseUrl(), "bob").connect();
        ada.join("outage");
        bob.join("outage");
        assertThat(bob.relay(ada.id(), "before", "{}").statusCode()).isEqualTo(200);
        Traffic traffic = Traffic.start(bob, ada.id());

        redis.stop();

        for (NodeProcess node : List.of(one, two)) {
            Client.await(node.name() + " is not ready").until(() -> status(node, "/readyz") == 503);
        }
        HttpResponse<String> relay = bob.relay(ada.id(), "during", "{}");
        assertThat(relay.statusCode()).isEqualTo(503);
        assertThat(new JsonObject(relay.body()).getString("error")).isEqualTo("unavailable");
        assertThat(relay.headers().firstValue("Retry-After")).isPresent();
        assertThat(ada.join("elsewhere").statusCode()).isEqualTo(503);
        assertThat(Client.access(one.baseUrl(), "newcomer").token()).as("tokens need no Redis").isNotBlank();

        redis.restart();

        for (NodeProcess node : List.of(one, two)) {
            Awaitility.await(node.name() + " is ready again").atMost(Duration.ofSeconds(15))
                    .pollInterval(Duration.ofMillis(50)).until(() -> status(node, "/readyz") == 200);
        }
        Map<Integer, Integer> statuses = traffic.stop();
        System.out.printf("relays through the outage, by status: %s%n", statuses);
        // Through the outage, a relay was either delivered, refused as unavailable, or (once Redis
        // came back empty) refused because the rooms were gone: never a 500, never a lost 200.
        assertThat(statuses.keySet()).as("statuses under traffic: %s", statuses).isSubsetOf(200, 404, 503);
        assertThat(statuses.get(503)).as("relays refused during the outage").isPositive();
        int accepted = statuses.getOrDefault(200, 0);
        Client.await("every accepted relay delivered").until(() -> ada.events("traffic").size() == accepted);
        // This Redis kept no data across its restart, so the rooms are gone: the nodes tell their
        // streams to resync and close them; browsers reconnect and join again.
        Client adaAgain = reconnected(ada, one);
        Client bobAgain = reconnected(bob, two);
        assertThat(adaAgain.join("outage").statusCode()).isEqualTo(200);
        assertThat(bobAgain.join("outage").statusCode()).isEqualTo(200);
        IntStream.range(0, 100).forEach(i ->
                assertThat(bobAgain.relay(ada.id(), "after", "{\"n\":" + i + "}").statusCode()).isEqualTo(200));
        Client.await("every relay after the outage").until(() -> adaAgain.events("after").size() == 100);
        assertThat(adaAgain.events("during")).isEmpty();
    }

    /** Relays sent one after another from a thread of their own, bounded in count, counted by status. */
    private static final class Traffic {
        private final Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread thread;

        private Traffic(Client sender, String target) {
            thread = new Thread(() -> {
                for (int i = 0; i < 5_000 && running.get(); i++) {
                    int status = sender.relay(target, "traffic", "{\"n\":" + i + "}").statusCode();
                    statuses.merge(status, 1, Integer::sum);
                }
            }, "outage-traffic");
        }

        static Traffic start(Client sender, String target) {
            Traffic traffic = new Traffic(sender, target);
            traffic.thread.start();
            return traffic;
        }

        Map<Integer, Integer> stop() {
            running.set(false);
            try {
                thread.join(Duration.ofSeconds(20));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return Map.copyOf(statuses);
        }
    }

    private static Client reconnected(Client browser, NodeProcess node) {
        Awaitility.await(browser.username() + " is told to resync").atMost(Duration.ofSeconds(15))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> !browser.events("resync").isEmpty() || browser.streamEnded());
        browser.disconnect();
        return browser.sameTokenOn(node.baseUrl()).connect();
    }

    private static int status(NodeProcess node, String path) {
        return Client.send(node.baseUrl(), "GET", path, null, null).statusCode();
    }
}
