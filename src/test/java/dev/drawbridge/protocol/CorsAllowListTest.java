package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code CORS_ORIGINS}: the pages of a listed origin may call the API; any other origin still may not. */
class CorsAllowListTest {
    private static final String LISTED = "https://draw.example.org";

    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--cors-origins", LISTED + ", http://localhost:3000");

    @Test
    void aPreflightFromAListedOriginIsAnsweredWithTheApisMethodsAndHeaders() {
        HttpResponse<String> preflight = EdgeHeadersTest.preflight(node.baseUrl(), LISTED, "POST");

        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).hasValue(LISTED);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods")).hasValueSatisfying(methods ->
                assertThat(methods.split(", ")).contains("GET", "POST", "PUT", "DELETE"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Headers")).hasValueSatisfying(headers ->
                assertThat(headers.split(", ")).contains("Authorization", "Content-Type", "Last-Event-ID", "Board-Proof"));
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Credentials")).isEmpty();
        assertThat(preflight.headers().allValues("Vary")).anySatisfy(v -> assertThat(v).contains("Origin"));
    }

    @Test
    void aRequestFromAListedOriginIsServedWithItsOriginAllowedAndRetryAfterReadable() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        HttpResponse<String> join = EdgeHeadersTest.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/cors-room/join"))
                .header("Origin", LISTED)
                .header("Authorization", "Bearer " + ada.token())
                .POST(HttpRequest.BodyPublishers.noBody()).build());

        assertThat(join.statusCode()).isEqualTo(200);
        assertThat(join.headers().firstValue("Access-Control-Allow-Origin")).hasValue(LISTED);
        assertThat(join.headers().firstValue("Access-Control-Expose-Headers")).hasValue("Retry-After");
    }

    @Test
    void anOriginNotListedIsStillRefused() {
        HttpResponse<String> preflight = EdgeHeadersTest.preflight(node.baseUrl(), "https://draw.example.org.evil.test", "POST");

        assertError(preflight, 403, "cors_refused");
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> config = EdgeHeadersTest.send(HttpRequest.newBuilder(URI.create(node.baseUrl() + "/config"))
                .header("Origin", "https://evil.test").GET().build());
        assertThat(config.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    }
}
