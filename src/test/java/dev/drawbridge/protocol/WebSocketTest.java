package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.Client.Transport;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.RawStreams;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/WEBSOCKET.md: what only the WebSocket has (its upgrade, its framing, its close codes), and
 * the one session model it shares with SSE + POST on one node. RelayTest, BroadcastTest, JoinRaceTest
 * and PeerLimitsTest run on both transports; TransportsAcrossNodesTest mixes them across nodes.
 */
class WebSocketTest {
    private static final int BUFFER = 64 * 1024;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--stream-buffer", String.valueOf(BUFFER), "--resume-grace", "5s");
    private static int rooms;

    @Test
    void theTokenIsCheckedAtTheUpgradeAsTheStreamsIs() {
        Client ada = Client.access(node.baseUrl(), "ada");

        assertError(Client.send(node.baseUrl(), "GET", "/ws", null, null), 401, "missing_token");
        assertError(Client.send(node.baseUrl(), "GET", "/ws?token=not.a.token", null, null), 403, "invalid_token");
        assertError(Client.send(node.baseUrl(), "GET", "/ws?token=" + ada.token(), null, null), 426, "upgrade_required");
    }

    @Test
    void aPeerOnTheWebSocketAndAPeerOnTheEventStreamSignalEachOther() {
        String room = "mixed-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", Transport.WS).connect();
        Client bob = Client.access(node.baseUrl(), "bob", Transport.SSE).connect();
        assertThat(ada.join(room).statusCode()).isEqualTo(200);
        assertThat(bob.join(room).statusCode()).isEqualTo(200);

        assertThat(bob.awaitEvent("add-peer").json().getBoolean("offer")).isTrue();
        assertThat(ada.awaitEvent("add-peer").json().getBoolean("offer")).isFalse();
        assertThat(bob.relay(ada.id(), "session-description", "{\"type\": \"offer\"}").statusCode()).isEqualTo(200);
        assertThat(ada.relay(bob.id(), "session-description", "{\"type\": \"answer\"}").statusCode()).isEqualTo(200);
        assertThat(ada.awaitEvent("session-description").json().getJsonObject("data").getString("type")).isEqualTo("offer");
        assertThat(bob.awaitEvent("session-description").json().getJsonObject("data").getString("type")).isEqualTo("answer");
        assertThat(ada.broadcast(room, "mesh-message", "[1]").statusCode()).isEqualTo(200);
        assertThat(bob.awaitEvent("mesh-message").json().getJsonObject("peer").getString("id")).isEqualTo(ada.id());
    }

    @Test
    void eventsOnTheWebSocketCarryTheSameIdsAsOnTheStreamAndAStreamResumesWhereTheSocketLeftOff() {
        String room = "resume-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", Transport.WS).connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join(room);
        bob.join(room);
        bob.relay(ada.id(), "dot", "{\"n\":0}");
        SseEvent first = ada.awaitEvent("dot");
        assertThat(first.id()).matches("[A-Za-z0-9_-]+-\\d+");

        ada.disconnect();
        ada.awaitStreamEnd();
        for (int n = 1; n <= 3; n++) {
            assertThat(bob.relay(ada.id(), "dot", "{\"n\":" + n + "}").statusCode()).as("relay during the gap").isEqualTo(200);
        }
        Client again = ada.sameTokenOver(Transport.SSE);
        again.resume(first.id());

        Client.await("the gap replayed").until(() -> again.events("dot").size() == 3);
        assertThat(again.events("dot")).extracting(e -> e.json().getJsonObject("data").getInteger("n")).containsExactly(1, 2, 3);
        assertThat(again.events("resync")).isEmpty();
        assertThat(bob.events("remove-peer")).as("nobody was told anything").isEmpty();
        // And back to a WebSocket, from the stream's last id.
        again.cut();
        bob.relay(ada.id(), "dot", "{\"n\":4}");
        Client third = ada.sameToken();
        third.openStream("&lastEventId=" + again.lastEventId());
        SseEvent fourth = third.awaitEvent("dot");
        assertThat(fourth.json().getJsonObject("data").getInteger("n")).isEqualTo(4);
        assertThat(third.events("dot")).hasSize(1);
    }

    @Test
    void aMessageIsAnsweredWithItsAckAndTheHttpStatusAndBody() {
        String room = "acks-" + rooms++;
        Client ada = Client.access(node.baseUrl(), "ada", Transport.WS).connect();

        ada.send("{\"ack\": 7, \"op\": \"join\", \"room\": \"" + room + "\"}");
        ada.send("{\"ack\": 8, \"op\": \"fly\"}");
        ada.send("{\"ack\": 9, \"op\": \"relay\", \"data\": {");
        ada.send("{\"op\": \"leave\", \"room\": \"" + room + "\"}");
        ada.send("not json at all");
        ada.send("{\"ack\": 10, \"op\": \"join\", \"room\": \"" + room + "\"}");

        Client.await("the answers").until(() -> ada.unacknowledged().size() == 1 && answered(ada).size() == 4);
        List<JsonObject> answers = answered(ada);
        assertThat(answers).extracting(a -> a.getLong("ack")).containsExactly(7L, 8L, 9L, 10L);
        assertThat(answers.get(0).getInteger("status")).isEqualTo(200);
        assertThat(answers.get(0).getJsonObject("body").getJsonArray("peers")).isEmpty();
        assertThat(answers.get(1).getJsonObject("body").getString("error")).isEqualTo("invalid_op");
        assertThat(answers.get(2).getInteger("status")).isEqualTo(400);
        assertThat(answers.get(2).getJsonObject("body").getString("error")).isEqualTo("invalid_json");
        // The leave without an ack was served, silently: the join after it joined again.
        assertThat(answers.get(3).getJsonObject("body").containsKey("alreadyMember")).isFalse();
        assertThat(ada.unacknowledged().get(0).getInteger("status")).isEqualTo(400);
        assertThat(ada.unacknowledged().get(0).getJsonObject("body").getString("error")).isEqualTo("invalid_json");
        assertThat(ada.streamEnded()).isFalse();
    }

    @Test
    void aMessageLargerThanTheLargestBodyAndItsEnvelopeClosesTheSocketWith1009() {
        Client ada = Client.access(node.baseUrl(), "ada", Transport.WS).connect();

        ada.send("{\"op\": \"relay\", \"data\": \"" + "x".repeat(64 * 1024 + 2048) + "\"}");

        ada.awaitStreamEnd();
        assertThat(ada.closeCode()).isEqualTo(1009);
    }

    @Test
    void aSocketThatStopsReadingIsClosedOnceItsBufferIsFullAndItsRoomIsTold() throws Exception {
        String room = "slow-" + rooms++;
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        Client sloth = Client.access(node.baseUrl(), "sloth");
        double slowBefore = metric("drawbridge_streams_slow_closed_total");
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(4096);
            URI base = URI.create(node.baseUrl());
            socket.connect(new InetSocketAddress(base.getHost(), base.getPort()));
            OutputStream out = socket.getOutputStream();
            out.write(("GET /ws?token=" + sloth.token() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                    + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            RawStreams.readUntil(socket.getInputStream(), "\"event\":\"connected\"");
            assertThat(sloth.join(room).statusCode()).isEqualTo(200);
            assertThat(bob.join(room).statusCode()).isEqualTo(200);

            // The sloth reads nothing more; bob keeps relaying 60 KB events to it.
            String body = "{\"pad\": \"" + "x".repeat(60 * 1024) + "\"}";
            int relayed = 0;
            while (relayed < 500 && bob.relay(sloth.id(), "stroke", body).statusCode() == 200) {
                relayed++;
            }

            assertThat(relayed).as("relays accepted before the sloth was dropped").isLessThan(500);
            bob.awaitEvent("remove-peer", e -> e.json().getJsonObject("peer").getString("id").equals(sloth.id()));
            assertThat(metric("drawbridge_streams_slow_closed_total")).isEqualTo(slowBefore + 1);
        }
    }

    private static List<JsonObject> answered(Client client) {
        return client.acknowledgements();
    }

    private static double metric(String name) {
        return TestNode.metric(node.baseUrl(), name);
    }
}
