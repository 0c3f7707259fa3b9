package dev.drawbridge.protocol;

import dev.drawbridge.bus.EventId;
import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.stream.LongStream;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md, "The event stream". */
class EventStreamTest {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--ping-interval", "200ms");

    @Test
    void theStreamIsServedAsEventStreamWithoutCaching() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada");
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/connect?token=" + ada.token()))
                .header("Accept", "text/html, text/event-stream;q=0.9").build();

        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<java.io.InputStream> response = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
            assertThat(response.headers().firstValue("Cache-Control")).hasValue("no-cache");
            response.body().close();
        }
    }

    @Test
    void aStreamRequestThatDoesNotAcceptEventStreamIsRefusedWith406() {
        Client ada = Client.access(node.baseUrl(), "ada");

        assertError(Client.send(node.baseUrl(), "GET", "/connect?token=" + ada.token(), null, null),
                406, "not_acceptable");
    }

    @Test
    void theFirstEventIsConnectedWithTheUser() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();

        SseEvent first = ada.events().get(0);
        assertThat(first.event()).isEqualTo("connected");
        assertThat(first.json()).isEqualTo(new JsonObject()
                .put("user", new JsonObject().put("id", ada.id()).put("username", "ada")));
    }

    @Test
    void anIdleStreamIsPinged() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();

        Client.await("two pings").until(() -> ada.events("ping").size() >= 2);
        assertThat(ada.events("ping").get(0).data()).isEqualTo("{}");
    }

    @Test
    void deliveredEventsAreNumberedOneByOnePerPeer() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join("numbered");
        bob.join("numbered");
        for (int i = 0; i < 5; i++) {
            bob.relay(ada.id(), "note", "{}");
        }
        bob.leave("numbered");

        ada.awaitEvent("remove-peer");
        List<SseEvent> delivered = ada.events().stream()
                .filter(e -> !e.event().equals("connected") && !e.event().equals("ping")).toList();
        assertThat(delivered).extracting(SseEvent::event)
                .containsExactly("add-peer", "note", "note", "note", "note", "note", "remove-peer");
        String epoch = EventId.parse(delivered.get(0).id()).orElseThrow().epoch();
        assertThat(delivered).extracting(SseEvent::id)
                .containsExactlyElementsOf(LongStream.rangeClosed(1, 7).mapToObj(n -> epoch + "-" + n).toList());
        assertThat(ada.events("connected").get(0).id()).as("connected takes no place in the sequence").isNull();
    }

    @Test
    void aNewerStreamOfTheSamePeerTakesOverAndTheOldOneIsToldAndClosed() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join("takeover");
        bob.join("takeover");
        Client adaAgain = ada.sameToken();

        adaAgain.connect();

        ada.awaitEvent("replaced");
        ada.awaitStreamEnd();
        assertThat(bob.relay(ada.id(), "after", "{}").statusCode()).as("ada is still bob's room-mate").isEqualTo(200);
        assertThat(adaAgain.awaitEvent("after").json().getJsonObject("peer").getString("id")).isEqualTo(bob.id());
        assertThat(bob.events("remove-peer")).isEmpty();
        EventId before = EventId.parse(ada.events("add-peer").get(0).id()).orElseThrow();
        EventId after = EventId.parse(adaAgain.awaitEvent("after").id()).orElseThrow();
        assertThat(after.epoch()).as("the sequence goes on across streams").isEqualTo(before.epoch());
        assertThat(after.n()).isGreaterThan(before.n());
    }
}
