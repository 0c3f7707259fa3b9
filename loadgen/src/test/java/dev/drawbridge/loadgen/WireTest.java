package dev.drawbridge.loadgen;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** What the socket wires share: acknowledgements by number, counting a relay's delivery, statuses. */
class WireTest {

    @Test
    void anAcknowledgementCompletesTheMessageOfItsNumberOnlyOnce() {
        Acks acks = new Acks();
        AtomicInteger sentAs = new AtomicInteger();
        Future<Integer> first = acks.send(n -> {
            sentAs.set(n);
            return Future.succeededFuture();
        });
        Future<Integer> second = acks.send(n -> Future.succeededFuture());
        assertThat(acks.answer(sentAs.get() + 1, 404)).isTrue();
        assertThat(second.result()).isEqualTo(404);
        assertThat(first.isComplete()).isFalse();
        assertThat(acks.answer(sentAs.get(), 200)).isTrue();
        assertThat(first.result()).isEqualTo(200);
        assertThat(acks.answer(sentAs.get(), 200)).as("a number is answered once").isFalse();
    }

    @Test
    void aMessageThatCouldNotBeWrittenFailsAndASocketThatClosesFailsWhatItAwaits() {
        Acks acks = new Acks();
        Future<Integer> unsent = acks.send(n -> Future.failedFuture("closed"));
        Future<Integer> waiting = acks.send(n -> Future.succeededFuture());
        assertThat(unsent.failed()).isTrue();
        acks.failAll(new IllegalStateException("the socket closed"));
        assertThat(waiting.failed()).isTrue();
    }

    @Test
    void aRelayedMessageNamesItsSenderWhereverTheWirePutsTheId() {
        Counters counters = new Counters();
        Peer[] everyone = new Peer[2];
        Latency latency = new Latency();
        everyone[0] = new Peer(0, null, counters, latency, everyone);
        everyone[1] = new Peer(1, null, counters, latency, everyone);
        everyone[0].id = "a-1";
        everyone[1].id = "b-2";
        String prefix = "{\"type\":\"CANDIDATE\",\"src\":\"";
        String text = prefix + "a-1\",\"dst\":\"b-2\",\"payload\":{\"f\":0,\"s\":0,\"t\":1,\"p\":\"x\"}}";
        everyone[1].received();
        assertThat(everyone[1].relayed(text, prefix.length(), text.indexOf("\"payload\":"), true)).isZero();
        assertThat(counters.wrongSender.sum()).isZero();
        assertThat(counters.deliveries.sum()).isEqualTo(1);

        String impostor = prefix + "a-10\",\"payload\":{\"f\":0,\"s\":1,\"t\":1}}";
        everyone[1].relayed(impostor, prefix.length(), impostor.indexOf("\"payload\":"), true);
        assertThat(counters.wrongSender.sum()).as("an id that only starts like the sender's is not the sender's").isEqualTo(1);
    }

    @Test
    void operationsAnsweredAtOnceAreAllIssuedWithoutExhaustingTheStack() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            // PeerJS and socket.io peers need nothing from the server before they connect: 15,000 of
            // those "requests" are answered inside the call that issues them.
            AtomicInteger issued = new AtomicInteger();
            Pacer pacer = new Pacer(vertx, 15_000, 0, 500, System.nanoTime() + TimeUnit.SECONDS.toNanos(30), k -> {
                issued.incrementAndGet();
                return Future.succeededFuture();
            });
            pacer.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            assertThat(issued.get()).isEqualTo(15_000);
            assertThat(pacer.completed()).isEqualTo(15_000);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void aJoinLeftUnansweredIsSentOnceMoreAndAFailedOneIsToo() throws Exception {
        Vertx vertx = Vertx.vertx();
        try {
            Counters counters = new Counters();
            AtomicInteger sent = new AtomicInteger();
            // The first join is never answered, the second is.
            Future<Integer> joined = Membership.request(vertx, 200, counters, "join",
                    () -> sent.incrementAndGet() == 1 ? io.vertx.core.Promise.<Integer>promise().future()
                            : Future.succeededFuture(200));
            assertThat(joined.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(200);
            assertThat(sent.get()).isEqualTo(2);
            assertThat(counters.count("join", "failed:NoAnswerException")).isEqualTo(1);
            assertThat(counters.accepted("join-retry")).isEqualTo(1);

            AtomicInteger refused = new AtomicInteger();
            Future<Integer> neither = Membership.request(vertx, 200, counters, "leave", () -> {
                refused.incrementAndGet();
                return Future.failedFuture(new java.io.IOException("reset"));
            });
            assertThat(neither.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)).isEqualTo(-1);
            assertThat(refused.get()).as("sent twice, then given up").isEqualTo(2);
            assertThat(counters.count("leave-retry", "failed:IOException")).isEqualTo(1);

            Future<Integer> answered = Membership.request(vertx, 200, counters, "join", () -> Future.succeededFuture(404));
            assertThat(answered.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
                    .as("an answer, even a refusal, is not sent again").isEqualTo(404);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void statusesCountedAsNumbersAndAsTextAreOneCount() {
        Counters counters = new Counters();
        counters.status("relay", 200);
        counters.status("relay", "200");
        counters.status("relay", 404);
        assertThat(counters.accepted("relay")).isEqualTo(2);
        assertThat(counters.count("relay", "404")).isEqualTo(1);
        assertThat(counters.errors().getLong("relay 404")).isEqualTo(1);
        assertThat(Sockets.digitsAt("43125[200]", 2)).isEqualTo(125);
        assertThat(Sockets.digitsAt("43[200]", 2)).isEqualTo(-1);
    }
}
