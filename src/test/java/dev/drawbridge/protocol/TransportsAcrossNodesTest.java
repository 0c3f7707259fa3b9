package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.Client.Transport;
import dev.drawbridge.testing.RedisServer;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.stream.IntStream;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * One session model for both transports, across two nodes in this process on one real Redis: a peer
 * on a WebSocket of one node and a peer on SSE + POST of the other signal each other, broadcast to
 * each other, and one resumes on the other's transport and node.
 */
class TransportsAcrossNodesTest {
    private static RedisServer redis;
    private static TestNode one;
    private static TestNode two;
    private static int rooms;

    @BeforeAll
    static void start() {
        redis = RedisServer.start();
        one = TestNode.start("--redis-url", redis.url(), "--resume-grace", "5s");
        two = TestNode.start("--redis-url", redis.url(), "--resume-grace", "5s");
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
    void aPeerOnAWebSocketOfOneNodeAndAPeerOnAnEventStreamOfAnotherSignalEachOtherInOrder() {
        String room = "across-" + rooms++;
        Client ada = Client.access(one.baseUrl(), "ada", Transport.WS).connect();
        Client bob = Client.access(two.baseUrl(), "bob", Transport.SSE).connect();
        assertThat(ada.join(room).statusCode()).isEqualTo(200);
        assertThat(bob.join(room).statusCode()).isEqualTo(200);
        assertThat(bob.awaitEvent("add-peer").json().getBoolean("offer")).isTrue();
        assertThat(ada.awaitEvent("add-peer").json().getBoolean("offer")).isFalse();

        IntStream.range(0, 50).forEach(i -> {
            assertThat(bob.relay(ada.id(), "ice-candidate", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
            assertThat(ada.relay(bob.id(), "ice-candidate", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
        });
        assertThat(ada.broadcast(room, "mesh-message", "{\"n\":\"all\"}").statusCode()).isEqualTo(200);
        assertThat(bob.broadcast(room, "mesh-message", "{\"n\":\"all\"}").statusCode()).isEqualTo(200);

        for (Client peer : new Client[] {ada, bob}) {
            Client.await(peer.username() + "'s candidates").until(() -> peer.events("ice-candidate").size() == 50);
            assertThat(peer.events("ice-candidate")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                    .containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
            peer.awaitEvent("mesh-message");
        }
        Client stranger = Client.access(two.baseUrl(), "stranger", Transport.WS).connect();
        assertError(stranger.relay(ada.id(), "ice-candidate", "{}"), 404, "unknown_peer");
        assertError(stranger.broadcast(room, "mesh-message", "{}"), 404, "unknown_room");
    }

    @Test
    void aPeerWhoseWebSocketDroppedResumesOnAnEventStreamOfAnotherNodeAndMissesNothing() {
        String room = "switch-" + rooms++;
        Client ada = Client.access(one.baseUrl(), "ada", Transport.WS).connect();
        Client bob = Client.access(two.baseUrl(), "bob", Transport.WS).connect();
        ada.join(room);
        bob.join(room);
        bob.relay(ada.id(), "dot", "{\"n\":0}");
        SseEvent first = ada.awaitEvent("dot");

        ada.disconnect();
        ada.awaitStreamEnd();
        bob.broadcast(room, "dot", "{\"n\":1}");
        bob.relay(ada.id(), "dot", "{\"n\":2}");
        Client again = ada.sameTokenOn(two.baseUrl()).sameTokenOver(Transport.SSE);
        again.resume(first.id());

        Client.await("the gap replayed").until(() -> again.events("dot").size() == 2);
        assertThat(again.events("dot")).extracting(e -> e.json().getJsonObject("data").getInteger("n")).containsExactly(1, 2);
        assertThat(again.relay(bob.id(), "dot", "{\"n\":3}").statusCode()).isEqualTo(200);
        assertThat(bob.awaitEvent("dot").json().getJsonObject("data").getInteger("n")).isEqualTo(3);
        assertThat(bob.events("remove-peer")).isEmpty();
    }
}
