package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.Client.Transport;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Relays authorized on the sender's side from the node's copy of its memberships (docs/REDIS.md,
 * "Relay authorization"): two nodes in this process on one real Redis, whose {@code INFO
 * commandstats} tell how many room states each relay read. The answers are those PROTOCOL.md gives
 * whatever path a relay took: a relay to a peer that left, or of a peer that left, is
 * {@code 404 unknown_peer}; a refused relay is never delivered; an accepted one always is.
 */
class RelayAuthorizationTest {
    private static final Pattern HGETALL = Pattern.compile("cmdstat_hgetall:calls=(\\d+)");
    private static RedisServer redis;
    private static TestNode one;
    private static TestNode two;
    private static int rooms;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        one = TestNode.start("--redis-url", redis.url());
        two = TestNode.start("--redis-url", redis.url());
    }

    @AfterAll
    static void stop() throws Exception {
        for (AutoCloseable closing : new AutoCloseable[] {two, one, redis}) {
            if (closing != null) {
                closing.close();
            }
        }
    }

    @Test
    void relaysWithinARoomReadNoRoomStateOnTheNodeThatHoldsTheSender() {
        for (Transport transport : Transport.values()) {
            String room = "local-" + rooms++;
            Client ada = Client.access(one.baseUrl(), "ada", transport).connect();
            Client bob = Client.access(one.baseUrl(), "bob", transport).connect();
            Client cy = Client.access(two.baseUrl(), "cy", transport).connect();
            meet(room, ada, bob, cy);

            long before = hgetalls();
            IntStream.range(0, 30).forEach(i -> {
                assertThat(ada.relay(bob.id(), "dot", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
                assertThat(bob.relay(ada.id(), "dot", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
                assertThat(ada.relay(cy.id(), "dot", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
                assertThat(cy.relay(ada.id(), "dot", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
            });
            assertThat(hgetalls() - before).as("HGETALL for 120 relays over %s", transport).isZero();

            for (Client peer : new Client[] {bob, cy}) {
                awaitDots(peer, 30);
            }
            awaitDots(ada, 60);
        }
    }

    @Test
    void aRelayPostedToANodeThatDoesNotHoldTheSenderIsAuthorizedAsBefore() {
        String room = "elsewhere-" + rooms++;
        Client ada = Client.access(one.baseUrl(), "ada", Transport.SSE).connect();
        Client bob = Client.access(one.baseUrl(), "bob", Transport.SSE).connect();
        meet(room, ada, bob);
        ada.postingTo(two.baseUrl());

        long before = hgetalls();
        assertThat(ada.relay(bob.id(), "dot", "{\"n\":0}").statusCode()).isEqualTo(200);
        assertThat(hgetalls() - before).isEqualTo(2);
        awaitDots(bob, 1);
    }

    @Test
    void aRelayToATargetThatLeftIsRefusedOnEitherNode() {
        for (TestNode targetNode : List.of(one, two)) {
            String room = "target-left-" + rooms++;
            Client ada = Client.access(one.baseUrl(), "ada", Transport.WS).connect();
            Client bob = Client.access(targetNode.baseUrl(), "bob", Transport.SSE).connect();
            meet(room, ada, bob);
            assertThat(ada.relay(bob.id(), "dot", "{\"n\":0}").statusCode()).isEqualTo(200);

            assertThat(bob.leave(room).statusCode()).isEqualTo(200);
            assertError(ada.relay(bob.id(), "dot", "{\"n\":1}"), 404, "unknown_peer");
            awaitDots(bob, 1);
            assertThat(bob.events("dot")).hasSize(1);
        }
    }

    @Test
    void aRelayOfASenderThatLeftThroughItsOwnNodeIsRefusedAtOnce() {
        for (Transport transport : Transport.values()) {
            String room = "sender-left-" + rooms++;
            Client ada = Client.access(one.baseUrl(), "ada", transport).connect();
            Client bob = Client.access(two.baseUrl(), "bob", Transport.SSE).connect();
            meet(room, ada, bob);
            for (int i = 0; i < 10; i++) {
                assertThat(ada.relay(bob.id(), "dot", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
            }
            assertThat(ada.leave(room).statusCode()).isEqualTo(200);
            assertError(ada.relay(bob.id(), "dot", "{\"n\":10}"), 404, "unknown_peer");
            awaitDots(bob, 10);
            bob.relay(bob.id(), "marker", "{}");
            bob.awaitEvent("marker");
            assertThat(bob.events("dot")).hasSize(10);
        }
    }

    /**
     * A leave made through another node reaches the copy one trip from Redis after its mark ran:
     * until then a relay may still go through (docs/REDIS.md says so); after, it is refused.
     */
    @Test
    void aRelayOfASenderThatLeftThroughAnotherNodeIsRefusedOnceThatNodeHeardOfIt() {
        String room = "sender-left-elsewhere-" + rooms++;
        Client ada = Client.access(one.baseUrl(), "ada", Transport.SSE).connect();
        Client bob = Client.access(one.baseUrl(), "bob", Transport.SSE).connect();
        meet(room, ada, bob);
        assertThat(ada.postingTo(two.baseUrl()).leave(room).statusCode()).isEqualTo(200);
        ada.postingTo(one.baseUrl());
        AtomicInteger accepted = new AtomicInteger();
        Client.await("ada's relays refused").atMost(Duration.ofSeconds(10)).until(() -> {
            HttpResponse<String> answer = ada.relay(bob.id(), "dot", "{}");
            if (answer.statusCode() == 200) {
                accepted.incrementAndGet();
                return false;
            }
            assertError(answer, 404, "unknown_peer");
            return true;
        });
        assertError(ada.relay(bob.id(), "dot", "{}"), 404, "unknown_peer");
        awaitDots(bob, accepted.get());
    }

    @Test
    void afterTheSubscriberConnectionsAreKilledRelaysAreAskedAboutUntilTheCopiesStartAgain() {
        String room = "killed-" + rooms++;
        Client ada = Client.access(one.baseUrl(), "ada", Transport.WS).connect();
        Client bob = Client.access(one.baseUrl(), "bob", Transport.SSE).connect();
        Client cy = Client.access(two.baseUrl(), "cy", Transport.SSE).connect();
        meet(room, ada, bob, cy);
        assertThat(cy.leave(room).statusCode()).isEqualTo(200);

        long before = hgetalls();
        assertThat(redis.call("CLIENT", "KILL", "TYPE", "pubsub")).isNotEqualTo(0L);
        int sent = 0;
        // Every relay is answered as before, while the nodes reconnect and their copies restart.
        for (long until = System.nanoTime() + Duration.ofSeconds(1).toNanos(); System.nanoTime() < until; sent++) {
            assertThat(ada.relay(bob.id(), "dot", "{\"n\":" + sent + "}").statusCode()).isEqualTo(200);
            assertError(ada.relay(cy.id(), "dot", "{}"), 404, "unknown_peer");
        }
        assertThat(hgetalls() - before).as("the room states read while the copies were not to be trusted").isPositive();
        awaitDots(bob, sent);
        assertThat(bob.events("dot")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                .containsExactlyElementsOf(IntStream.range(0, sent).boxed().toList());

        Client.await("relays authorized locally again").until(() -> {
            long at = hgetalls();
            assertThat(ada.relay(bob.id(), "dot", "{\"n\":-1}").statusCode()).isEqualTo(200);
            return hgetalls() == at;
        });
        assertThat(cy.events("dot")).isEmpty();
    }

    /**
     * A peer that joins and leaves over and over while relays fly both ways: every relay answered
     * 200 is delivered, none answered 404 is, and the relays sent once a leave answered are refused.
     */
    @Test
    void aJoinRacingRelaysNeverLetsANonMembersRelayThrough() throws Exception {
        String room = "churn-" + rooms++;
        Client ada = Client.access(one.baseUrl(), "ada", Transport.SSE).connect();
        Client eve = Client.access(one.baseUrl(), "eve", Transport.SSE).connect();
        assertThat(ada.join(room).statusCode()).isEqualTo(200);
        AtomicBoolean running = new AtomicBoolean(true);
        AtomicInteger toAda = new AtomicInteger();
        AtomicInteger toEve = new AtomicInteger();
        try (ExecutorService threads = Executors.newFixedThreadPool(2)) {
            CompletableFuture<Void> fromEve = CompletableFuture.runAsync(() -> relayWhile(running, eve, ada, toAda), threads);
            CompletableFuture<Void> fromAda = CompletableFuture.runAsync(() -> relayWhile(running, ada, eve, toEve), threads);
            for (int i = 0; i < 20; i++) {
                assertThat(eve.join(room).statusCode()).isEqualTo(200);
                assertThat(eve.relay(ada.id(), "dot", "{}").statusCode()).isEqualTo(200);
                toAda.incrementAndGet();
                assertThat(eve.leave(room).statusCode()).isEqualTo(200);
                assertError(eve.relay(ada.id(), "dot", "{}"), 404, "unknown_peer");
                assertError(ada.relay(eve.id(), "dot", "{}"), 404, "unknown_peer");
            }
            running.set(false);
            fromEve.join();
            fromAda.join();
        }
        awaitDots(ada, toAda.get());
        awaitDots(eve, toEve.get());
        // Markers sent after every relay was answered arrive after every delivered one.
        assertThat(eve.join(room).statusCode()).isEqualTo(200);
        assertThat(eve.relay(ada.id(), "marker", "{}").statusCode()).isEqualTo(200);
        assertThat(ada.relay(eve.id(), "marker", "{}").statusCode()).isEqualTo(200);
        ada.awaitEvent("marker");
        eve.awaitEvent("marker");
        assertThat(ada.events("dot")).hasSize(toAda.get());
        assertThat(eve.events("dot")).hasSize(toEve.get());
    }

    /** Relays from {@code from} to {@code to} until told to stop (at most 2,000), counting the accepted ones. */
    private static void relayWhile(AtomicBoolean running, Client from, Client to, AtomicInteger accepted) {
        for (int i = 0; i < 2_000 && running.get(); i++) {
            HttpResponse<String> answer = from.relay(to.id(), "dot", "{}");
            if (answer.statusCode() == 200) {
                accepted.incrementAndGet();
            } else {
                assertError(answer, 404, "unknown_peer");
            }
        }
    }

    /** The peers join the room in turn, and each learns of every other one. */
    private static void meet(String room, Client... peers) {
        for (Client peer : peers) {
            assertThat(peer.join(room).statusCode()).isEqualTo(200);
        }
        for (Client peer : peers) {
            Client.await(peer.username() + " meets the others").until(() -> peer.events("add-peer").size() == peers.length - 1);
        }
    }

    private static void awaitDots(Client peer, int count) {
        Client.await(count + " dots for " + peer.username()).until(() -> peer.events("dot").size() >= count);
    }

    private static long hgetalls() {
        Matcher calls = HGETALL.matcher(redis.call("INFO", "commandstats").toString());
        return calls.find() ? Long.parseLong(calls.group(1)) : 0;
    }
}
