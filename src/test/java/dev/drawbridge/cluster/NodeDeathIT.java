package dev.drawbridge.cluster;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.NodeProcess;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.SseEvent;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A node killed with SIGKILL: its peers that resume on a survivor within the grace lose nothing,
 * and the survivors clean up after the others within lease + grace, exactly once.
 */
class NodeDeathIT {
    private static final Duration BOUND = Duration.ofSeconds(10);
    private static RedisServer redis;
    private static final List<NodeProcess> nodes = new ArrayList<>();

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        for (int i = 1; i <= 3; i++) {
            nodes.add(NodeProcess.start("death-node-" + i, "--redis-url", redis.url(), "--resume-grace", "1s"));
        }
    }

    @AfterAll
    static void stop() {
        nodes.forEach(NodeProcess::close);
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void thePeersOfAKilledNodeThatDoNotResumeAreRemovedWithinTenSecondsEveryoneIsToldOnceAndOneThatResumesKeepsEverything() {
        Client ada = Client.access(nodes.get(0).baseUrl(), "ada").connect();
        Client bob = Client.access(nodes.get(1).baseUrl(), "bob").connect();
        Client doomedOne = Client.access(nodes.get(2).baseUrl(), "doomed-1").connect();
        Client doomedTwo = Client.access(nodes.get(2).baseUrl(), "doomed-2").connect();
        Client resumer = Client.access(nodes.get(2).baseUrl(), "resumer").resume(null);
        for (Client peer : List.of(ada, bob, doomedOne, doomedTwo, resumer)) {
            assertThat(peer.join("shared").statusCode()).isEqualTo(200);
        }
        assertThat(ada.join("second").statusCode()).isEqualTo(200);
        assertThat(doomedOne.join("second").statusCode()).isEqualTo(200);
        Map<String, Long> toldAt = new ConcurrentHashMap<>();
        for (Client survivor : List.of(ada, bob)) {
            survivor.onEvent(event -> {
                if (event.event().equals("remove-peer")) {
                    toldAt.put(survivor.username() + "/" + peerId(event) + "/" + event.json().getString("roomId"), System.nanoTime());
                }
            });
        }

        long killedAt = System.nanoTime();
        nodes.get(2).kill();
        // Relayed while its node is dead and its browser away: accepted, and kept for its replay.
        assertThat(bob.relay(resumer.id(), "during", "{}").statusCode()).isEqualTo(200);
        resumer.resume(nodes.get(0).baseUrl(), resumer.lastEventId());
        resumer.awaitEvent("during");

        List<String> expected = List.of(
                "ada/" + doomedOne.id() + "/shared", "ada/" + doomedTwo.id() + "/shared", "ada/" + doomedOne.id() + "/second",
                "bob/" + doomedOne.id() + "/shared", "bob/" + doomedTwo.id() + "/shared");
        Awaitility.await("every survivor is told of every dead peer").atMost(BOUND.plusSeconds(5))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> toldAt.keySet().containsAll(expected));
        long lastToldMillis = toldAt.values().stream().mapToLong(at -> (at - killedAt) / 1_000_000).max().orElseThrow();
        System.out.printf("kill -9 to the last remove-peer: %d ms%n", lastToldMillis);
        assertThat(Duration.ofMillis(lastToldMillis)).isLessThanOrEqualTo(BOUND);

        // Exactly once: a marker sent after the reaping is the next event, with no repeat before it.
        bob.relay(ada.id(), "marker", "{}");
        ada.awaitEvent("marker");
        ada.relay(bob.id(), "marker", "{}");
        bob.awaitEvent("marker");
        assertThat(ada.events("remove-peer")).hasSize(3);
        assertThat(bob.events("remove-peer")).hasSize(2);
        // The living outlasted several leases and reaping rounds, and were never taken for dead.
        assertThat(toldAt.keySet()).noneMatch(told -> told.contains(ada.id()) || told.contains(bob.id())
                || told.contains(resumer.id()));
        assertThat(resumer.events("during")).hasSize(1);
        assertThat(resumer.events("resync")).isEmpty();
        assertThat(ada.relay(resumer.id(), "after", "{}").statusCode()).as("still a member").isEqualTo(200);
        resumer.awaitEvent("after");
        assertThat(bob.relay(ada.id(), "offer", "{}").statusCode()).isEqualTo(200);

        // The rooms hold no ghost: a newcomer is offered only the living.
        Client newcomer = Client.access(nodes.get(1).baseUrl(), "newcomer").connect();
        JsonArray members = new JsonObject(newcomer.join("shared").body()).getJsonArray("peers");
        assertThat(members.stream().map(m -> ((JsonObject) m).getString("id")))
                .containsExactlyInAnyOrder(ada.id(), bob.id(), resumer.id());
        Client.await("newcomer offered three").until(() -> newcomer.events("add-peer").size() == 3);
        assertThat(ada.relay(doomedOne.id(), "offer", "{}").statusCode()).isEqualTo(404);
    }

    private static String peerId(SseEvent event) {
        return event.json().getJsonObject("peer").getString("id");
    }
}
