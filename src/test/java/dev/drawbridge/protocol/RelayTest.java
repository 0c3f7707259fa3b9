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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md, "Relay", over SSE + POST and over the WebSocket. */
@ParameterizedClass
@EnumSource(Client.Transport.class)
class RelayTest {
    @Parameter
    Client.Transport transport;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();
    private static int rooms;

    private Client ada;
    private Client bob;

    @BeforeEach
    void twoPeersInARoom() {
        String room = "relay-" + rooms++;
        ada = Client.access(node.baseUrl(), "ada", transport).connect();
        bob = Client.access(node.baseUrl(), "bob", transport).connect();
        ada.join(room);
        bob.join(room);
        ada.awaitEvent("add-peer");
    }

    @Test
    void aRelayReachesTheTargetAsTheNamedEventWithTheSenderAndTheBodyAsSent() {
        String body = "{\"type\": \"offer\",\n  \"sdp\": \"v=0\\r\\no=- 46117 2 IN IP4 127.0.0.1\\r\\n\", \"n\": [1, 2.5, null]}";

        var response = bob.relay(ada.id(), "session-description", body);

        assertThat(response.statusCode()).isEqualTo(200);
        SseEvent event = ada.awaitEvent("session-description");
        assertThat(event.data()).doesNotContain("\n");
        JsonObject data = event.json();
        assertThat(data.getJsonObject("peer"))
                .isEqualTo(new JsonObject().put("id", bob.id()).put("username", "bob"));
        assertThat(data.getJsonObject("data")).isEqualTo(new JsonObject(body));
    }

    @Test
    void theSenderIsAlwaysTheTokensNeverTheBodys() {
        String forged = new JsonObject().put("peer", new JsonObject().put("id", ada.id()).put("username", "ada")).encode();

        bob.relay(ada.id(), "ice-candidate", forged);

        JsonObject data = ada.awaitEvent("ice-candidate").json();
        assertThat(data.getJsonObject("peer").getString("id")).isEqualTo(bob.id());
        assertThat(data.getJsonObject("data")).isEqualTo(new JsonObject(forged));
    }

    @Test
    void anyJsonValueIsABody() {
        List<String> bodies = List.of("42", "\"text\"", "[1,2]", "null", "true", " {} ");
        bodies.forEach(body -> assertThat(bob.relay(ada.id(), "value", body).statusCode()).isEqualTo(200));

        Client.await("every value").until(() -> ada.events("value").size() == bodies.size());
        assertThat(ada.events("value")).extracting(e -> e.json().getValue("data"))
                .containsExactly(42, "text", new io.vertx.core.json.JsonArray("[1,2]"), null, true, new JsonObject());
    }

    @Test
    void eventsFromOneSenderToOneTargetArriveInTheOrderTheyWereAccepted() {
        IntStream.range(0, 200).forEach(i ->
                assertThat(bob.relay(ada.id(), "ice-candidate", "{\"n\":" + i + "}").statusCode()).isEqualTo(200));

        Client.await("200 candidates").until(() -> ada.events("ice-candidate").size() == 200);
        assertThat(ada.events("ice-candidate")).extracting(e -> e.json().getJsonObject("data").getInteger("n"))
                .containsExactlyElementsOf(IntStream.range(0, 200).boxed().toList());
    }

    @Test
    void aRelayToAPeerThatSharesNoRoomIsRefusedWith404AndDeliversNothing() {
        Client stranger = Client.access(node.baseUrl(), "stranger", transport).connect();
        stranger.join("elsewhere-" + UUID.randomUUID());

        assertError(stranger.relay(ada.id(), "session-description", "{}"), 404, "unknown_peer");
        assertError(ada.relay(stranger.id(), "session-description", "{}"), 404, "unknown_peer");

        assertNothingArrivedBeforeAMarker();
    }

    @Test
    void aRelayToAPeerThatDoesNotExistGetsTheSameAnswerAsToAStranger() {
        var unknown = bob.relay(UUID.randomUUID().toString(), "offer", "{}");
        Client stranger = Client.access(node.baseUrl(), "stranger", transport).connect();
        var notAMate = bob.relay(stranger.id(), "offer", "{}");

        assertError(unknown, 404, "unknown_peer");
        assertThat(unknown.body()).isEqualTo(notAMate.body());
    }

    @ParameterizedTest
    @ValueSource(strings = {"not-a-uuid", "12345", "6F9619FF-8B86-D011-B42D-00C04FC964FF"})
    void aTargetThatIsNotAPeerIdIsRefusedWith400(String target) {
        assertError(bob.relay(target, "offer", "{}"), 400, "invalid_peer_id");
        assertNothingArrivedBeforeAMarker();
    }

    @ParameterizedTest
    @ValueSource(strings = {"Offer", "-offer", "offer_1", "a234567890123456789012345678901234",
            "connected", "ping", "add-peer", "remove-peer", "resync", "replaced", "reconnect"})
    void anEventNameThatIsNotAllowedIsRefusedWith400(String event) {
        assertError(bob.relay(ada.id(), event, "{}"), 400, "invalid_event");
        assertNothingArrivedBeforeAMarker();
    }

    @Test
    void theLongestAllowedEventNameIsAccepted() {
        String name = "a" + "-b".repeat(15) + "c";
        assertThat(name).hasSize(32);

        assertThat(bob.relay(ada.id(), name, "{}").statusCode()).isEqualTo(200);
        ada.awaitEvent(name);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "{", "{\"a\": 1} {\"b\": 2}", "not json", "{'single': 1}", "{\"a\": 1}x"})
    void aBodyThatIsNotJsonIsRefusedWith400(String body) {
        assertError(bob.relay(ada.id(), "offer", body), 400, "invalid_json");
        assertNothingArrivedBeforeAMarker();
    }

    @Test
    void aBodyOver64KibIsRefusedWith413() {
        String big = "{\"pad\": \"" + "x".repeat(64 * 1024) + "\"}";

        assertError(bob.relay(ada.id(), "offer", big), 413, "body_too_large");
        assertNothingArrivedBeforeAMarker();
    }

    @Test
    void aBodyOfJustUnder64KibIsRelayed() {
        String body = "{\"pad\": \"" + "x".repeat(64 * 1024 - 12) + "\"}";
        assertThat(body.length()).isLessThanOrEqualTo(64 * 1024);

        assertThat(bob.relay(ada.id(), "offer", body).statusCode()).isEqualTo(200);
        assertThat(ada.awaitEvent("offer").json().getJsonObject("data").getString("pad")).hasSize(64 * 1024 - 12);
    }

    /** Ada's next relayed event is a marker: none of the refused relays reached her. */
    private void assertNothingArrivedBeforeAMarker() {
        bob.relay(ada.id(), "marker", "{}");
        ada.awaitEvent("marker");
        List<SseEvent> events = ada.events();
        assertThat(events.get(events.size() - 1).event()).isEqualTo("marker");
        assertThat(events).extracting(SseEvent::event)
                .containsOnly("connected", "add-peer", "marker");
    }
}
