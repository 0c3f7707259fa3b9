package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The requests exactly as the seed article's browser client makes them: JSON to /access, an
 * EventSource with ?token=, a join that is a bare POST with no body and no Content-Type, and relays
 * whose bodies are JSON.stringify'd objects.
 */
class SeedClientTest {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();

    @Test
    void aClientWrittenForTheArticleWorksUnchanged() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();

        try (HttpClient http = HttpClient.newHttpClient()) {
            for (Client peer : new Client[] {ada, bob}) {
                HttpRequest bareJoin = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/seedroom/join"))
                        .header("Authorization", "Bearer " + peer.token())
                        .POST(HttpRequest.BodyPublishers.noBody()).build();
                assertThat(http.send(bareJoin, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
            }
        }
        JsonObject addPeer = ada.awaitEvent("add-peer").json();
        String description = new JsonObject().put("description",
                new JsonObject().put("type", "offer").put("sdp", "v=0\r\n")).encode();
        assertThat(bob.relay(ada.id(), "session-description", description).statusCode()).isEqualTo(200);

        assertThat(addPeer.getJsonObject("peer").getString("id")).isEqualTo(bob.id());
        assertThat(addPeer.getBoolean("offer")).isFalse();
        JsonObject relayed = ada.awaitEvent("session-description").json();
        assertThat(relayed.getJsonObject("peer").getString("id")).isEqualTo(bob.id());
        assertThat(relayed.getJsonObject("data").getJsonObject("description").getString("sdp")).isEqualTo("v=0\r\n");
    }
}
