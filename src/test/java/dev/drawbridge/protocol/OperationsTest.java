package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md, "Operations". */
class OperationsTest {
    private static final String ICE = "[{\"urls\":\"stun:127.0.0.1:3478\"}]";
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--ice-servers", ICE, "--max-room-size", "8");

    @Test
    void healthzSaysTheProcessIsAlive() {
        assertThat(get("/healthz").statusCode()).isEqualTo(200);
    }

    @Test
    void readyzSaysTheNodeCanServe() {
        assertThat(get("/readyz").statusCode()).isEqualTo(200);
    }

    @Test
    void configGivesTheBrowserItsIceServersAndTheRoomSize() {
        HttpResponse<String> config = get("/config");

        assertThat(config.statusCode()).isEqualTo(200);
        JsonObject body = new JsonObject(config.body());
        assertThat(body.getJsonArray("iceServers")).isEqualTo(new JsonArray(ICE));
        assertThat(body.getInteger("maxRoomSize")).isEqualTo(8);
    }

    @Test
    void metricsAreInPrometheusTextFormatAndCountRelays() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join("metrics");
        bob.join("metrics");
        bob.relay(ada.id(), "offer", "{}");

        HttpResponse<String> metrics = Client.send(node.baseUrl(), "GET", "/metrics", TestNode.METRICS_TOKEN, null);

        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/plain"));
        assertThat(metrics.body())
                .containsPattern("(?m)^drawbridge_relays_total\\{outcome=\"accepted\"} [1-9]")
                .containsPattern("(?m)^drawbridge_streams_open [1-9]")
                .contains("drawbridge_sessions");
    }

    @Test
    void theAppsAssetsAreServedForRevalidationSoThatADeployIsSeenAtOnce() {
        HttpResponse<String> script = get("/assets/main.js");

        assertThat(script.statusCode()).isEqualTo(200);
        assertThat(script.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).contains("javascript"));
        assertThat(script.headers().firstValue("Cache-Control")).hasValue("no-cache");
        assertThat(script.headers().firstValue("Last-Modified")).isPresent();
    }

    @Test
    void anUnknownRouteIsAJson404() {
        assertError(get("/no/such/route"), 404, "not_found");
    }

    @Test
    void aWrongMethodIsAJson405() {
        assertError(Client.send(node.baseUrl(), "DELETE", "/healthz", null, null), 405, "method_not_allowed");
    }

    private static HttpResponse<String> get(String path) {
        return Client.send(node.baseUrl(), "GET", path, null, null);
    }
}
