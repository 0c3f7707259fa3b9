package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md: "Join is atomic", over SSE + POST and over the WebSocket. The article's server misses most of these pairs. */
@ParameterizedClass
@EnumSource(Client.Transport.class)
class JoinRaceTest {
    @Parameter
    Client.Transport transport;
    private static final int PAIRS = 50;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();

    @Test
    void twoPeersJoiningTheSameRoomAtTheSameInstantLearnOfEachOtherExactlyOnceWithOneOffer() throws Exception {
        List<Client[]> pairs = new ArrayList<>();
        for (int i = 0; i < PAIRS; i++) {
            pairs.add(new Client[] {
                    Client.access(node.baseUrl(), "left" + i, transport).connect(),
                    Client.access(node.baseUrl(), "right" + i, transport).connect()});
        }
        CyclicBarrier start = new CyclicBarrier(PAIRS * 2);
        List<CompletableFuture<HttpResponse<String>>> joins = new ArrayList<>();
        try (ExecutorService threads = Executors.newFixedThreadPool(PAIRS * 2)) {
            for (int i = 0; i < PAIRS; i++) {
                String room = "race-" + transport + "-" + i;
                for (Client peer : pairs.get(i)) {
                    joins.add(CompletableFuture.supplyAsync(() -> {
                        awaitQuietly(start);
                        return peer.join(room);
                    }, threads));
                }
            }
            joins.forEach(join -> assertThat(join.join().statusCode()).isEqualTo(200));
        }

        for (Client[] pair : pairs) {
            Client left = pair[0];
            Client right = pair[1];
            Client.await("each side of " + left.username() + " learns of the other")
                    .failFast(() -> left.events("add-peer").size() > 1 || right.events("add-peer").size() > 1)
                    .until(() -> left.events("add-peer").size() == 1 && right.events("add-peer").size() == 1);
            SseEvent toLeft = left.events("add-peer").get(0);
            SseEvent toRight = right.events("add-peer").get(0);
            assertThat(toLeft.json().getJsonObject("peer").getString("id")).isEqualTo(right.id());
            assertThat(toRight.json().getJsonObject("peer").getString("id")).isEqualTo(left.id());
            assertThat(toLeft.json().getBoolean("offer")).isNotEqualTo(toRight.json().getBoolean("offer"));
        }
        // A later event on every stream shows that no duplicate add-peer was merely late.
        for (Client[] pair : pairs) {
            pair[0].relay(pair[1].id(), "marker", "{}");
            pair[1].awaitEvent("marker");
            assertThat(pair[1].events("add-peer")).hasSize(1);
        }
    }

    private static void awaitQuietly(CyclicBarrier barrier) {
        try {
            barrier.await();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
