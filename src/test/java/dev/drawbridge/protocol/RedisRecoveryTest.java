package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

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

    @AfterAll
    static void stop() {
        if (node != null) {
            node.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    /** One relay's answer, and whether its sender had been told to resync when the answer came. */
    private record Answer(int status, String body, boolean retryAfter, boolean afterResync) {}

    @Test
    void untilTheNodeRestoredItsPeersAfterAnEmptyRedisRelaysAnswer503NeverUnknownPeer() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        assertThat(ada.join("recovery").statusCode()).isEqualTo(200);
        assertThat(bob.join("recovery").statusCode()).isEqualTo(200);
        ada.awaitEvent("add-peer");
        assertThat(bob.relay(ada.id(), "offer", "{}").statusCode()).isEqualTo(200);

        List<Answer> answers = new CopyOnWriteArrayList<>();
        AtomicBoolean relaying = new AtomicBoolean(true);
        // Bounded: at most 20 000 relays, and stopped once the node resynced bob.
        CompletableFuture<Void> loop = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 20_000 && relaying.get(); i++) {
                HttpResponse<String> answer = bob.relay(ada.id(), "offer", "{\"n\":" + i + "}");
                answers.add(new Answer(answer.statusCode(), answer.body(),
                        answer.headers().firstValue("Retry-After").isPresent(), !bob.events("resync").isEmpty()));
            }
        });
        Client.await("a few relays before the restart").until(() -> answers.size() >= 5);
        redis.kill();
        redis.restart();
        bob.awaitEvent("resync");
        // Some more after it: these may say unknown_peer, since the rooms are gone for good now.
        int told = answers.size();
        Client.await("relays after the resync").until(() -> answers.size() >= told + 5);
        relaying.set(false);
        loop.get(30, TimeUnit.SECONDS);

        List<Answer> beforeResync = answers.stream().filter(a -> !a.afterResync()).toList();
        assertThat(beforeResync).allSatisfy(a -> assertThat(a.status()).as(a.body()).isIn(200, 503));
        assertThat(beforeResync).filteredOn(a -> a.status() == 503).isNotEmpty()
                .allSatisfy(a -> {
                    assertThat(a.retryAfter()).isTrue();
                    assertThat(a.body()).contains("\"unavailable\"");
                });
    }

    @Test
    void rightAfterRedisIsFlushedUnderTheNodeARelayAnswers503NotUnknownPeer() {
        Client fay = Client.access(node.baseUrl(), "fay").connect();
        Client gus = Client.access(node.baseUrl(), "gus").connect();
        Client.await("both joined").until(() -> fay.join("flushed").statusCode() == 200
                && gus.join("flushed").statusCode() == 200);
        assertThat(gus.relay(fay.id(), "offer", "{}").statusCode()).isEqualTo(200);

        redis.flushAll();
        HttpResponse<String> relay = gus.relay(fay.id(), "offer", "{}");
        boolean toldBefore = !gus.events("resync").isEmpty();

        // The node notices the flush at its next heartbeat at the latest; the relay may only beat it to it.
        if (!toldBefore) {
            assertError(relay, 503, "unavailable");
            assertThat(relay.headers().firstValue("Retry-After")).isPresent();
        }
        gus.awaitEvent("resync");
        fay.awaitEvent("resync");
    }

    @Test
    void joinsAndLeavesRightAfterAnEmptyRestartAnswer503UntilThePeersAreBack() {
        Client cleo = Client.access(node.baseUrl(), "cleo").connect();
        assertThat(cleo.join("recovery-joins").statusCode()).isEqualTo(200);

        redis.kill();
        redis.restart();
        List<HttpResponse<String>> leaves = new CopyOnWriteArrayList<>();
        Client.await("cleo told to resync").until(() -> {
            HttpResponse<String> leave = cleo.leave("recovery-joins");
            if (cleo.events("resync").isEmpty()) {
                leaves.add(leave);
            }
            return !cleo.events("resync").isEmpty();
        });

        assertThat(leaves).allSatisfy(leave -> {
            assertError(leave, 503, "unavailable");
            assertThat(leave.headers().firstValue("Retry-After")).isPresent();
        });
        Client fresh = cleo.sameToken().connect();
        Client.await("cleo can join again").atMost(Duration.ofSeconds(10))
                .until(() -> fresh.join("recovery-joins").statusCode() == 200);
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
