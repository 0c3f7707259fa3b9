package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import io.vertx.core.json.JsonObject;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis restarted empty under a running node: until the node has registered its peers again and
 * told their streams to rebuild ({@code resync}), joins, leaves and relays answer {@code 503} with
 * {@code Retry-After}, never an answer that states a fact about rooms Redis merely forgot
 * ({@code 404 unknown_peer}). The relay latency histogram moves on the Redis bus too.
 */
class RedisRecoveryTest {
    private static RedisServer redis;
    private static TestNode node;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        node = TestNode.start("--redis-url", redis.url(), "--resume-grace", "2s");
    }

    /**
     * Each test starts on a node that has every Redis connection back: one test's restart must not
     * become the next one's outage.
     */
    @BeforeEach
    void nodeIsReady() {
        Client.await("the node is ready again").until(() -> Client.send(node.baseUrl(), "GET", "/readyz", null, null).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * How long before the resync reaches the client an answer may already be one of after the
     * recovery: the node writes the resync before it answers so, but the two travel on different
     * connections, read by different threads of a busy machine.
     */
    private static final long LAG_NANOS = Duration.ofSeconds(1).toNanos();

    /** One answer, and when it came (System.nanoTime). */
    private record Answer(int status, String body, boolean retryAfter, long atNanos) {
        static Answer of(HttpResponse<String> answer) {
            return new Answer(answer.statusCode(), answer.body(), answer.headers().firstValue("Retry-After").isPresent(),
                    System.nanoTime());
        }
    }

    /** When the client's first resync arrives, once it has. */
    private static CompletableFuture<Long> resyncArrival(Client client) {
        CompletableFuture<Long> arrival = new CompletableFuture<>();
        client.onEvent(event -> {
            if (event.event().equals("resync")) {
                arrival.complete(System.nanoTime());
            }
        });
        return arrival;
    }

    @Test
    void untilTheNodeRestoredItsPeersAfterAnEmptyRedisRelaysAnswer503NeverUnknownPeer() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        assertThat(ada.join("recovery").statusCode()).isEqualTo(200);
        assertThat(bob.join("recovery").statusCode()).isEqualTo(200);
        ada.awaitEvent("add-peer");
        assertThat(bob.relay(ada.id(), "offer", "{}").statusCode()).isEqualTo(200);

        CompletableFuture<Long> resynced = resyncArrival(bob);
        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean relaying = new AtomicBoolean(true);
        // Bounded: at most 20 000 relays, and stopped once the node resynced bob.
        CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 20_000 && relaying.get(); i++) {
                answers.add(Answer.of(bob.relay(ada.id(), "offer", "{\"n\":" + i + "}")));
            }
        });
        // A relay that fails outright ends the loop: then the waits end at once and loop.get() says why.
        Client.await("a few relays before the restart").until(() -> answers.size() >= 5 || loop.isDone());
        redis.kill();
        redis.restart();
        long resyncAt = resynced.get(30, TimeUnit.SECONDS);
        // Some more after it: these may say unknown_peer, since the rooms are gone for good now.
        int told = answers.size();
        Client.await("relays after the resync").until(() -> answers.size() >= told + 5 || loop.isDone());
        relaying.set(false);
        loop.get(30, TimeUnit.SECONDS);

        assertThat(answers).filteredOn(a -> a.atNanos() < resyncAt - LAG_NANOS)
                .allSatisfy(a -> assertThat(a.status()).as(a.body()).isIn(200, 503));
        assertThat(answers).filteredOn(a -> a.atNanos() < resyncAt && a.status() == 503).isNotEmpty()
                .allSatisfy(a -> {
                    assertThat(a.retryAfter()).isTrue();
                    assertThat(a.body()).contains("\"unavailable\"");
                });
    }

    @Test
    void rightAfterRedisIsFlushedUnderTheNodeARelayAnswers503NotUnknownPeer() throws Exception {
        // The node notices a flush at its next heartbeat at the latest (a second). A relay sent at
        // once comes first, unless the heartbeat happens to fall in between: then the node has
        // recovered and told the sender (resync) before answering, and any answer is right. Three
        // rounds, so that a heartbeat in between cannot decide the outcome.
        List<Answer> answers = new java.util.ArrayList<>();
        List<Long> resyncs = new java.util.ArrayList<>();
        for (int round = 0; round < 3; round++) {
            Client fay = Client.access(node.baseUrl(), "fay").connect();
            Client gus = Client.access(node.baseUrl(), "gus").connect();
            Client.await("both joined").until(() -> fay.join("flushed-" + fay.id()).statusCode() == 200
                    && gus.join("flushed-" + fay.id()).statusCode() == 200);
            assertThat(gus.relay(fay.id(), "offer", "{}").statusCode()).isEqualTo(200);
            CompletableFuture<Long> resynced = resyncArrival(gus);

            redis.flushAll();
            answers.add(Answer.of(gus.relay(fay.id(), "offer", "{}")));

            resyncs.add(resynced.get(30, TimeUnit.SECONDS));
            fay.awaitEvent("resync");
        }

        for (int i = 0; i < answers.size(); i++) {
            Answer answer = answers.get(i);
            if (answer.status() != 503) {
                assertThat(answer.atNanos()).as("a %s before the node recovered: %s", answer.status(), answer.body())
                        .isGreaterThan(resyncs.get(i) - LAG_NANOS);
            }
        }
        assertThat(answers).filteredOn(a -> a.status() == 503).isNotEmpty().allSatisfy(a -> {
            assertThat(a.body()).contains("\"unavailable\"");
            assertThat(a.retryAfter()).isTrue();
        });
    }

    @Test
    void joinsAndLeavesRightAfterAnEmptyRestartAnswer503UntilThePeersAreBack() throws Exception {
        Client cleo = Client.access(node.baseUrl(), "cleo").connect();
        assertThat(cleo.join("recovery-joins").statusCode()).isEqualTo(200);
        CompletableFuture<Long> resynced = resyncArrival(cleo);

        redis.kill();
        redis.restart();
        List<Answer> leaves = new CopyOnWriteArrayList<>();
        Client.await("cleo told to resync").until(() -> {
            leaves.add(Answer.of(cleo.leave("recovery-joins")));
            return resynced.isDone();
        });

        long resyncAt = resynced.get();
        assertThat(leaves).filteredOn(a -> a.atNanos() < resyncAt - LAG_NANOS).allSatisfy(leave -> {
            assertThat(leave.status()).as(leave.body()).isEqualTo(503);
            assertThat(leave.body()).contains("\"unavailable\"");
            assertThat(leave.retryAfter()).isTrue();
        });
        Client fresh = connectLikeEventSource(cleo);
        Client.await("cleo can join again").atMost(Duration.ofSeconds(10))
                .until(() -> fresh.join("recovery-joins").statusCode() == 200);
    }

    @Test
    void aStreamOpenedWhileRedisIsDownIsToldToReconnectShortlyNotLeftWithoutAWord() {
        Client hal = Client.access(node.baseUrl(), "hal");
        redis.kill();
        try {
            hal.openStream();
            var reconnect = new JsonObject(hal.awaitEvent("reconnect").data());
            assertThat(reconnect.getString("error")).isEqualTo("unavailable");
            assertThat(reconnect.getLong("after_ms")).isBetween(1_000L, 2_000L);
            assertThat(hal.retries()).last().isEqualTo(reconnect.getLong("after_ms"));
            assertThat(hal.events("connected")).isEmpty();
            hal.awaitStreamEnd();
        } finally {
            redis.restart();
        }
        nodeIsReady();
        connectLikeEventSource(hal);
    }

    /**
     * A stream of {@code peer}'s token that, like EventSource, opens again after a {@code reconnect}
     * (the node may still be getting its Redis connections back), until one is {@code connected}.
     */
    private static Client connectLikeEventSource(Client peer) {
        List<Client> connected = new CopyOnWriteArrayList<>();
        Client.await(peer.username() + " connected again").until(() -> {
            Client again = peer.sameToken();
            again.openStream();
            Client.await("an answer on the stream").until(() -> !again.events().isEmpty());
            if (again.events("connected").isEmpty()) {
                return false;
            }
            connected.add(again);
            return true;
        });
        return connected.get(0);
    }

    @Test
    void theRelayLatencyHistogramCountsRelaysThroughRedisToAStreamOnTheSameNode() {
        Client dan = Client.access(node.baseUrl(), "dan").connect();
        Client eve = Client.access(node.baseUrl(), "eve").connect();
        Client.await("both joined").until(() -> dan.join("latency-redis").statusCode() == 200
                && eve.join("latency-redis").statusCode() == 200);
        double before = MetricsAccessTest.count(TestNode.metrics(node.baseUrl()));

        for (int i = 0; i < 10; i++) {
            assertThat(eve.relay(dan.id(), "offer", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
        }
        Client.await("10 relays on dan's stream").until(() -> dan.events("offer").size() >= 10);

        Client.await("counted").until(() -> MetricsAccessTest.count(TestNode.metrics(node.baseUrl())) - before >= 10);
    }
}
