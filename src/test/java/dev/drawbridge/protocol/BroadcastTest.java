package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.IntStream;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md, "Relay": the room broadcast, over SSE + POST and over the WebSocket. */
@ParameterizedClass
@EnumSource(Client.Transport.class)
class BroadcastTest {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();
    private static int rooms;

    @Parameter
    Client.Transport transport;

    private String room;
    private Client ada;
    private Client bob;
    private Client cy;
    private Client dan;

    @BeforeEach
    void threePeersInARoomAndOneElsewhere() {
        room = "broadcast-" + rooms++;
        ada = Client.access(node.baseUrl(), "ada", transport).connect();
        bob = Client.access(node.baseUrl(), "bob", transport).connect();
        cy = Client.access(node.baseUrl(), "cy", transport).connect();
        dan = Client.access(node.baseUrl(), "dan", transport).connect();
        for (Client peer : List.of(ada, bob, cy)) {
            assertThat(peer.join(room).statusCode()).isEqualTo(200);
        }
        assertThat(dan.join(room + "-elsewhere").statusCode()).isEqualTo(200);
        // dan shares a room with ada, not this one: a broadcast is for the room's members only.
        assertThat(ada.join(room + "-elsewhere").statusCode()).isEqualTo(200);
        Client.await("everyone is introduced").until(() -> ada.events("add-peer").size() == 3
                && cy.events("add-peer").size() == 2 && dan.events("add-peer").size() == 1);
    }

    @Test
    void aBroadcastReachesEveryOtherMemberOnceWithTheSenderAndTheBodyAsSentButNotTheSenderNorANonMember() {
        String body = "{\"ops\": [1, 2.5, \"x\"]}";

        HttpResponse<String> answer = ada.broadcast(room, "mesh-message", body);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(answer.body())).isEqualTo(new JsonObject().put("ok", true).put("recipients", 2));
        for (Client member : List.of(bob, cy)) {
            JsonObject data = member.awaitEvent("mesh-message").json();
            assertThat(data.getJsonObject("peer")).isEqualTo(new JsonObject().put("id", ada.id()).put("username", "ada"));
            assertThat(data.getJsonObject("data")).isEqualTo(new JsonObject(body));
        }
        // A later event from ada on every stream shows that nothing else came, merely late.
        for (Client other : List.of(bob, cy, dan)) {
            ada.relay(other.id(), "marker", "{}");
            other.awaitEvent("marker");
        }
        bob.relay(ada.id(), "marker", "{}");
        ada.awaitEvent("marker");
        assertThat(bob.events("mesh-message")).hasSize(1);
        assertThat(cy.events("mesh-message")).hasSize(1);
        assertThat(ada.events("mesh-message")).as("the sender").isEmpty();
        assertThat(dan.events("mesh-message")).as("a non-member").isEmpty();
    }

    @Test
    void aBroadcastToARoomTheSenderIsNotInIsRefusedWith404AndDeliversNothing() {
        assertError(dan.broadcast(room, "mesh-message", "{}"), 404, "unknown_room");
        assertError(dan.broadcast("no-such-room-" + rooms, "mesh-message", "{}"), 404, "unknown_room");

        dan.relay(ada.id(), "marker", "{}");
        ada.awaitEvent("marker");
        assertThat(ada.events("mesh-message")).isEmpty();
    }

    @Test
    void aBroadcastIsCheckedAsARelayIs() {
        assertError(ada.broadcast(room, "add-peer", "{}"), 400, "invalid_event");
        assertError(ada.broadcast(room, "Mesh", "{}"), 400, "invalid_event");
        assertError(ada.broadcast(room, "mesh-message", "{"), 400, "invalid_json");
        assertError(ada.broadcast(room, "mesh-message", "{\"pad\": \"" + "x".repeat(64 * 1024) + "\"}"), 413, "body_too_large");
        assertError(ada.broadcast("bad.room", "mesh-message", "{}"), 400, "invalid_room_id");

        ada.relay(bob.id(), "marker", "{}");
        bob.awaitEvent("marker");
        assertThat(bob.events()).extracting(SseEvent::event).containsOnly("connected", "add-peer", "marker");
    }

    @Test
    void broadcastsAndRelaysFromOneSenderArriveInTheOrderTheyWereAccepted() {
        IntStream.range(0, 100).forEach(i -> {
            HttpResponse<String> answer = i % 2 == 0 ? ada.broadcast(room, "dot", "{\"n\":" + i + "}")
                    : ada.relay(bob.id(), "dot", "{\"n\":" + i + "}");
            assertThat(answer.statusCode()).isEqualTo(200);
        });

        Client.await("100 dots").until(() -> bob.events("dot").size() == 100 && cy.events("dot").size() == 50);
        assertThat(bob.events("dot")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                .containsExactlyElementsOf(IntStream.range(0, 100).boxed().toList());
        assertThat(cy.events("dot")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                .containsExactlyElementsOf(IntStream.range(0, 50).map(i -> i * 2).boxed().toList());
    }

    @Test
    void aBroadcastByAPeerAloneInItsRoomReachesNobodyAndIsAccepted() {
        String alone = room + "-alone";
        dan.join(alone);

        HttpResponse<String> answer = dan.broadcast(alone, "mesh-message", "{}");

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getInteger("recipients")).isZero();
    }
}
