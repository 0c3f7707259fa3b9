package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static dev.drawbridge.testing.FromAddress.metric;
import static org.assertj.core.api.Assertions.assertThat;

/** docs/LIMITS.md: the per-peer buckets of relays and joins, with short limits; over SSE + POST and over the WebSocket. */
@ParameterizedClass
@EnumSource(Client.Transport.class)
class PeerLimitsTest {
    @Parameter
    Client.Transport transport;
    private static final int RELAYS = 10;
    private static final int JOINS = 3;

    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass(
            "--relay-limit", RELAYS + "/20s", "--join-limit", JOINS + "/20s");
    private static int rooms;

    @Test
    void relaysUnderThePeersLimitAreAllDeliveredAndTheNextIsRefusedWith429AndNotDelivered() {
        String room = "relays-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", transport).connect();
        Client bob = Client.access(node.baseUrl(), "bob", transport).connect();
        ada.join(room);
        bob.join(room);
        double limitedBefore = limited("relay");

        for (int i = 0; i < RELAYS; i++) {
            assertThat(bob.relay(ada.id(), "dot", "{\"n\":" + i + "}").statusCode()).as("relay %d", i).isEqualTo(200);
        }
        HttpResponse<String> over = bob.relay(ada.id(), "dot", "{\"n\":\"over\"}");

        assertRateLimited(over, 20, RELAYS);
        assertThat(limited("relay")).isEqualTo(limitedBefore + 1);
        // Once a token has come back, bob's next relay goes; his relays arrive in order, so when it
        // has arrived, everything accepted before it has too.
        Client.await("a refilled token").pollInterval(Duration.ofMillis(250)).until(() -> bob.relay(ada.id(), "dot", "{\"n\":\"last\"}").statusCode() == 200);
        ada.awaitEvent("dot", e -> "last".equals(e.json().getJsonObject("data").getValue("n")));
        List<Object> arrived = ada.events("dot").stream().map(e -> e.json().getJsonObject("data").getValue("n")).toList();
        assertThat(arrived).doesNotContain("over").hasSize(RELAYS + 1).endsWith("last");
    }

    @Test
    void onePeersFloodLeavesAnotherPeersRelaysAlone() {
        String room = "flood-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", transport).connect();
        Client bob = Client.access(node.baseUrl(), "bob", transport).connect();
        Client cy = Client.access(node.baseUrl(), "cy", transport).connect();
        ada.join(room);
        bob.join(room);
        cy.join(room);
        for (int i = 0; i <= RELAYS; i++) {
            bob.relay(ada.id(), "dot", "{}");
        }
        assertThat(bob.relay(ada.id(), "dot", "{}").statusCode()).isEqualTo(429);

        for (int i = 0; i < RELAYS; i++) {
            assertThat(cy.relay(ada.id(), "mark", "{}").statusCode()).isEqualTo(200);
        }
        Client.await("cy's relays").until(() -> ada.events("mark").size() == RELAYS);
    }

    @Test
    void aBroadcastTakesFromTheSameBucketAsRelays() {
        String room = "broadcasts-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", transport).connect();
        Client bob = Client.access(node.baseUrl(), "bob", transport).connect();
        ada.join(room);
        bob.join(room);
        for (int i = 0; i < RELAYS / 2; i++) {
            assertThat(bob.relay(ada.id(), "dot", "{}").statusCode()).isEqualTo(200);
            assertThat(bob.broadcast(room, "dot", "{}").statusCode()).isEqualTo(200);
        }

        assertRateLimited(bob.broadcast(room, "dot", "{}"), 20, RELAYS);
        assertRateLimited(bob.relay(ada.id(), "dot", "{}"), 20, RELAYS);
    }

    @Test
    void joinsUnderThePeersLimitAreServedAndTheNextIsRefusedWith429AndJoinsNothing() {
        String room = "joins-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", transport).connect();
        List<String> joined = new ArrayList<>();
        for (int i = 0; i < JOINS; i++) {
            joined.add(room + "-" + i);
            assertThat(ada.join(room + "-" + i).statusCode()).isEqualTo(200);
        }
        double limitedBefore = limited("join");

        HttpResponse<String> over = ada.join(room + "-over");

        assertRateLimited(over, 20, JOINS);
        assertThat(limited("join")).isEqualTo(limitedBefore + 1);
        Client bob = Client.access(node.baseUrl(), "bob", transport).connect();
        JsonObject answer = new JsonObject(bob.join(room + "-over").body());
        assertThat(answer.getJsonArray("peers")).as("the refused join left ada out of the room").isEmpty();
        assertThat(ada.events("add-peer")).isEmpty();
    }

    /**
     * 429, {@code Retry-After} in whole seconds from 1 to what one token of a bucket of {@code tokens}
     * refilled over {@code periodSeconds} takes, and the JSON error body.
     */
    static void assertRateLimited(HttpResponse<String> response, long periodSeconds, long tokens) {
        assertError(response, 429, "rate_limited");
        long most = Math.max(1, (periodSeconds + tokens - 1) / tokens);
        assertThat(response.headers().firstValue("Retry-After")).hasValueSatisfying(value ->
                assertThat(Long.parseLong(value)).isBetween(1L, most));
    }

    private static double limited(String limit) {
        return metric(node.baseUrl(), "drawbridge_limited_total{limit=\"" + limit + "\"}");
    }
}
