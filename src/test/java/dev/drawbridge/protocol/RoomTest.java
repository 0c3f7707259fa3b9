package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.TestInfo;

import java.net.http.HttpResponse;
import java.util.List;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md, "Rooms". */
class RoomTest {
    private static final int MAX_ROOM_SIZE = 3;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--max-room-size", String.valueOf(MAX_ROOM_SIZE), "--resume-grace", "300ms");

    private String room;

    @org.junit.jupiter.api.BeforeEach
    void roomPerTest(TestInfo test) {
        room = test.getTestMethod().orElseThrow().getName().substring(0, 20) + System.nanoTime() % 100_000;
    }

    @Test
    void theRootRedirectsToANewRandomRoom() {
        HttpResponse<String> first = Client.send(node.baseUrl(), "GET", "/", null, null);
        HttpResponse<String> second = Client.send(node.baseUrl(), "GET", "/", null, null);

        assertThat(first.statusCode()).isEqualTo(302);
        String location = first.headers().firstValue("Location").orElseThrow();
        assertThat(location).matches("/[A-Za-z0-9_-]{1,64}");
        assertThat(second.headers().firstValue("Location")).isNotEqualTo(first.headers().firstValue("Location"));
    }

    @Test
    void aRoomPathServesTheDrawingApp() {
        HttpResponse<String> page = Client.send(node.baseUrl(), "GET", "/" + room, null, null);

        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.body()).containsIgnoringCase("<html");
    }

    @Test
    void aPathThatIsNotARoomIdIsRefusedWith400() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();

        assertError(Client.send(node.baseUrl(), "GET", "/" + "r".repeat(65), null, null), 400, "invalid_room_id");
        assertError(Client.send(node.baseUrl(), "GET", "/bad.room", null, null), 400, "invalid_room_id");
        assertError(ada.join("bad%20room"), 400, "invalid_room_id");
        assertError(ada.join("r".repeat(65)), 400, "invalid_room_id");
    }

    @Test
    void theJoinerIsOfferedEveryMemberAndEveryMemberIsToldOfTheJoiner() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        Client cy = Client.access(node.baseUrl(), "cy").connect();

        assertThat(ada.join(room).statusCode()).isEqualTo(200);
        assertThat(bob.join(room).statusCode()).isEqualTo(200);
        HttpResponse<String> third = cy.join(room);

        assertThat(third.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(third.body()).getJsonArray("peers").size()).isEqualTo(2);
        assertAddPeer(cy.awaitEvent("add-peer", from(ada)), ada, true);
        assertAddPeer(cy.awaitEvent("add-peer", from(bob)), bob, true);
        assertAddPeer(ada.awaitEvent("add-peer", from(bob)), bob, false);
        assertAddPeer(ada.awaitEvent("add-peer", from(cy)), cy, false);
        assertAddPeer(bob.awaitEvent("add-peer", from(ada)), ada, true);
        assertAddPeer(bob.awaitEvent("add-peer", from(cy)), cy, false);
    }

    @Test
    void joiningARoomOneIsAlreadyInChangesNothingAndSendsNothing() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join(room);
        bob.join(room);
        ada.awaitEvent("add-peer", from(bob));

        HttpResponse<String> again = bob.join(room);

        assertThat(again.statusCode()).isEqualTo(200);
        // A relay after the second join is the next thing each side sees: nothing came in between.
        bob.relay(ada.id(), "marker", "{}");
        ada.awaitEvent("marker");
        assertThat(ada.events("add-peer")).hasSize(1);
        ada.relay(bob.id(), "marker", "{}");
        bob.awaitEvent("marker");
        assertThat(bob.events("add-peer")).hasSize(1);
    }

    @Test
    void joiningWithoutAnOpenStreamIsRefusedWith409AndChangesNothing() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        ada.join(room);
        Client bob = Client.access(node.baseUrl(), "bob");

        assertError(bob.join(room), 409, "not_connected");

        bob.connect();
        assertThat(bob.join(room).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(ada.awaitEvent("add-peer").data()).getJsonObject("peer").getString("id"))
                .isEqualTo(bob.id());
        assertThat(ada.events("add-peer")).hasSize(1);
    }

    @Test
    void aFullRoomRefusesOneMoreJoinWith409AndChangesNothing() {
        List<Client> members = List.of(
                Client.access(node.baseUrl(), "a").connect(),
                Client.access(node.baseUrl(), "b").connect(),
                Client.access(node.baseUrl(), "c").connect());
        members.forEach(member -> assertThat(member.join(room).statusCode()).isEqualTo(200));
        Client late = Client.access(node.baseUrl(), "late").connect();

        assertError(late.join(room), 409, "room_full");

        assertError(late.relay(members.get(0).id(), "offer", "{}"), 404, "unknown_peer");
        members.get(1).relay(members.get(0).id(), "marker", "{}");
        members.get(0).awaitEvent("marker");
        assertThat(members.get(0).events("add-peer")).hasSize(MAX_ROOM_SIZE - 1);
        assertThat(late.events("add-peer")).isEmpty();
    }

    @Test
    void aRoomThatWasFullTakesAJoinAgainOnceSomeoneLeft() {
        List<Client> members = List.of(
                Client.access(node.baseUrl(), "a").connect(),
                Client.access(node.baseUrl(), "b").connect(),
                Client.access(node.baseUrl(), "c").connect());
        members.forEach(member -> member.join(room));
        Client late = Client.access(node.baseUrl(), "late").connect();
        assertError(late.join(room), 409, "room_full");

        members.get(2).leave(room);

        assertThat(late.join(room).statusCode()).isEqualTo(200);
    }

    @Test
    void leavingRemovesThePeerAndTellsTheOthers() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join(room);
        bob.join(room);

        HttpResponse<String> left = bob.leave(room);

        assertThat(left.statusCode()).isEqualTo(200);
        assertThat(new JsonObject(left.body()).getBoolean("left")).isTrue();
        JsonObject removed = ada.awaitEvent("remove-peer").json();
        assertThat(removed.getJsonObject("peer")).isEqualTo(peer(bob));
        assertThat(removed.getString("roomId")).isEqualTo(room);
        assertError(ada.relay(bob.id(), "offer", "{}"), 404, "unknown_peer");
        assertThat(new JsonObject(bob.leave(room).body()).getBoolean("left")).isFalse();
    }

    @Test
    void aPeerWhoseStreamClosesIsRemovedFromItsRoomsAfterTheResumeGraceAndTheOthersAreTold() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join(room);
        bob.join(room);
        bob.join(room + "-other");
        Client cy = Client.access(node.baseUrl(), "cy").connect();
        cy.join(room + "-other");

        bob.disconnect();

        assertThat(ada.awaitEvent("remove-peer").json().getJsonObject("peer")).isEqualTo(peer(bob));
        assertThat(cy.awaitEvent("remove-peer").json().getString("roomId")).isEqualTo(room + "-other");
        assertError(ada.relay(bob.id(), "offer", "{}"), 404, "unknown_peer");
        Client dan = Client.access(node.baseUrl(), "dan").connect();
        assertThat(new JsonObject(dan.join(room).body()).getJsonArray("peers")).containsExactly(peer(ada));
    }

    @Test
    void aPeerThatJoinsTheMomentItSeesConnectedGetsEveryAddPeer() {
        for (int round = 0; round < 20; round++) {
            String roomOfRound = room + "-" + round;
            Client ada = Client.access(node.baseUrl(), "ada").connect();
            Client bob = Client.access(node.baseUrl(), "bob").connect();
            ada.join(roomOfRound);
            bob.join(roomOfRound);
            Client newcomer = Client.access(node.baseUrl(), "newcomer");
            newcomer.onEvent(event -> {
                if (event.event().equals("connected")) {
                    newcomer.joinAsync(roomOfRound);
                }
            });

            newcomer.openStream();

            Client.await("both add-peer events").until(() -> newcomer.events("add-peer").size() == 2);
            ada.disconnect();
            bob.disconnect();
            newcomer.disconnect();
        }
    }

    private static java.util.function.Predicate<SseEvent> from(Client peer) {
        return event -> event.json().getJsonObject("peer").getString("id").equals(peer.id());
    }

    private void assertAddPeer(SseEvent event, Client peer, boolean offer) {
        JsonObject data = event.json();
        assertThat(data.getJsonObject("peer")).isEqualTo(peer(peer));
        assertThat(data.getString("roomId")).isEqualTo(room);
        assertThat(data.getBoolean("offer")).isEqualTo(offer);
    }

    private static JsonObject peer(Client client) {
        return new JsonObject().put("id", client.id()).put("username", client.username());
    }
}
