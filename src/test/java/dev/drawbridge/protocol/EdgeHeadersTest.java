package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** The headers of every answer, and cross-origin access on a node that lists no origin (the default). */
class EdgeHeadersTest {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();

    @Test
    void thePageTheAssetsTheApiAndItsErrorsAllCarryTheSecurityHeaders() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        List<HttpResponse<String>> answers = List.of(
                get("/some-room"),
                get("/assets/main.js"),
                get("/sw.js"),
                get("/config"),
                get("/healthz"),
                get("/no/such/route"),
                Client.send(node.baseUrl(), "POST", "/access", null, "{\"username\": \"bob\"}"),
                ada.join("headers-room"),
                ada.relay(UUID.randomUUID().toString(), "offer", "{}"));

        for (HttpResponse<String> answer : answers) {
            assertThat(answer.headers().firstValue("Content-Security-Policy")).as(answer.uri().toString())
                    .hasValueSatisfying(csp -> assertThat(csp.split("; ")).contains(
                            "default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' blob: data:",
                            "connect-src 'self'", "worker-src 'self'", "object-src 'none'", "base-uri 'none'",
                            "form-action 'self'", "frame-ancestors 'none'"));
            assertThat(answer.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(answer.headers().firstValue("X-Frame-Options")).hasValue("DENY");
            assertThat(answer.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
            assertThat(answer.headers().firstValue("Permissions-Policy")).hasValueSatisfying(policy ->
                    assertThat(policy).contains("camera=(self)", "microphone=(self)", "geolocation=()", "usb=()", "payment=()"));
            assertThat(answer.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
    }

    @Test
    void theEventStreamCarriesTheSecurityHeadersToo() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada");
        HttpRequest request = HttpRequest.newBuilder(URI.create(node.baseUrl() + "/connect?token=" + ada.token()))
                .header("Accept", "text/event-stream").build();
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<java.io.InputStream> stream = http.send(request, HttpResponse.BodyHandlers.ofInputStream());
            stream.body().close();

            assertThat(stream.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
            assertThat(stream.headers().firstValue("Content-Security-Policy")).isPresent();
        }
    }

    @Test
    void byDefaultACrossOriginPreflightIsRefusedAndNoAnswerAllowsAnotherOrigin() throws Exception {
        HttpResponse<String> preflight = preflight(node.baseUrl(), "https://elsewhere.example", "POST");

        assertError(preflight, 403, "cors_refused");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).isEmpty();
        HttpResponse<String> simple = send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/config"))
                .header("Origin", "https://elsewhere.example").GET().build());
        assertThat(simple.statusCode()).isEqualTo(200);
        assertThat(simple.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }

    static HttpResponse<String> preflight(String baseUrl, String origin, String method) {
        return send(HttpRequest.newBuilder(URI.create(baseUrl + "/some-room/join"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", origin)
                .header("Access-Control-Request-Method", method)
                .header("Access-Control-Request-Headers", "authorization, content-type")
                .build());
    }

    static HttpResponse<String> send(HttpRequest request) {
        try (HttpClient http = HttpClient.newHttpClient()) {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(String path) {
        return Client.send(node.baseUrl(), "GET", path, null, null);
    }
}
