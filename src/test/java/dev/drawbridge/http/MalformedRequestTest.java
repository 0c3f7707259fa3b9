package dev.drawbridge.http;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.RawHttp;
import dev.drawbridge.testing.RawHttp.Exchange;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every bad input of issue 11 gets a 4xx with the JSON error body, never a hang, a 5xx or a stack
 * trace in the log; each request goes on the wire exactly as written.
 */
class MalformedRequestTest {
    private static final long BOUND_MILLIS = 5_000;
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();

    private final ListAppender<ILoggingEvent> logged = new ListAppender<>();

    @BeforeEach
    void captureTheLog() {
        logged.start();
        root().addAppender(logged);
    }

    @AfterEach
    void nothingWasLoggedWithAStackTraceNorAsAnError() {
        root().detachAppender(logged);
        assertThat(logged.list).allSatisfy(event -> {
            assertThat(event.getLevel().isGreaterOrEqual(Level.WARN)).as("level of %s", event).isFalse();
            assertThat(event.getThrowableProxy()).as("stack trace of %s", event).isNull();
        });
    }

    @Test
    void aPercentSignInTheHostIsAnswered400() {
        assertJsonError(send("GET /healthz HTTP/1.1\r\nHost: %41\r\n\r\n"), 400, "invalid_host");
    }

    @Test
    void aMissingOrMalformedHostIsAnswered400() {
        assertJsonError(send("GET /healthz HTTP/1.1\r\n\r\n"), 400, "missing_host");
        assertJsonError(send("GET /healthz HTTP/1.1\r\nHost: [::\r\n\r\n"), 400, "invalid_host");
        assertJsonError(send("GET /healthz HTTP/1.1\r\nHost: a b\r\n\r\n"), 400, "invalid_host");
        assertJsonError(send("GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, "invalid_host");
    }

    @Test
    void anHttp10RequestWithoutAHostIsServed() {
        assertThat(send("GET /healthz HTTP/1.0\r\n\r\n").status()).isEqualTo(200);
    }

    @Test
    void aBadEscapeInThePathIsAnswered400AndLoggedAsOneLine() {
        assertJsonError(send("GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_uri");

        // One line at most: the node's budget of lines may be spent by the other tests of the class.
        assertThat(logged.list).hasSizeLessThanOrEqualTo(1).extracting(ILoggingEvent::getFormattedMessage)
                .allMatch(line -> line.equals("400 invalid_uri: GET /%zz from 127.0.0.1"));
    }

    @Test
    void aBadEscapeInATokenOfTheQueryIsAnswered400() {
        assertJsonError(send("GET /connect?token=%zz HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n"),
                400, "invalid_uri");
        assertJsonError(send("POST /access/refresh?token=%zz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"),
                400, "invalid_uri");
    }

    @Test
    void theLoggedLineNeverShowsTheQueryWhereATokenMayBe() {
        send("GET /connect?token=secret%zz HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n");

        assertThat(logged.list).extracting(ILoggingEvent::getFormattedMessage).noneMatch(line -> line.contains("secret"));
    }

    @Test
    void urlEncodedBodiesAreNotParsedButAnswered415() {
        String token = Client.access(node.baseUrl(), "ada").token();
        String manyFields = "a=1&".repeat(400);
        for (String path : List.of("/access", "/relay/" + java.util.UUID.randomUUID() + "/offer", "/room/join")) {
            for (String body : List.of("a=%", "a=%zz", manyFields)) {
                assertJsonError(post(path, token, "application/x-www-form-urlencoded", body), 415, "unsupported_media_type");
            }
        }
    }

    @Test
    void aMultipartBodyIsAnswered415EvenWithAPartWithoutAName() {
        String body = "--b\r\nContent-Disposition: form-data\r\n\r\nx\r\n--b--\r\n";
        assertJsonError(post("/access", null, "multipart/form-data; boundary=b", body), 415, "unsupported_media_type");
    }

    @Test
    void aJsonBodyInAnUnknownCharsetIsAnswered415() {
        Client ada = Client.access(node.baseUrl(), "ada");
        assertJsonError(post("/relay/" + ada.id() + "/offer", ada.token(), "application/json; charset=bogus", "{}"),
                415, "unsupported_media_type");
    }

    @Test
    void aContentTypeOfOnlySemicolonsIsAnswered415() {
        assertJsonError(post("/access", null, ";;;", "{}"), 415, "unsupported_media_type");
    }

    @Test
    void aLongUriWithBadEscapesIsAnswered400() {
        assertJsonError(send("GET /connect?token=" + "x".repeat(4_000) + "%zz HTTP/1.1\r\nHost: x\r\n\r\n"),
                400, "invalid_uri");
        assertJsonError(send("GET /" + "a".repeat(4_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "invalid_room_id");
    }

    @Test
    void aJsonBodyInUtf8IsServed() {
        Exchange answer = post("/access", null, "application/json; charset=UTF-8", "{\"username\":\"ada\"}");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(new JsonObject(answer.body()).getString("token")).isNotBlank();
    }

    @Test
    void anUnparsableRequestIsAnsweredAJson400AndClosed() {
        Exchange answer = RawHttp.exchange(port(), bytes("GARBAGE\r\n\r\n"), BOUND_MILLIS, true);

        assertJsonError(answer, 400, "bad_request");
        assertThat(answer.closed()).isTrue();
    }

    @Test
    void aTooLongUriIsAJson414AndTooLargeHeadersAJson431() {
        assertJsonError(RawHttp.exchange(port(), bytes("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"),
                BOUND_MILLIS, true), 414, "uri_too_long");
        assertJsonError(RawHttp.exchange(port(), bytes("GET / HTTP/1.1\r\nHost: x\r\nX: " + "a".repeat(10_000) + "\r\n\r\n"),
                BOUND_MILLIS, true), 431, "headers_too_large");
    }

    @Test
    void anUnknownHttpVersionIsAJson400NotAnEmpty501() {
        Exchange answer = RawHttp.exchange(port(), bytes("GET /healthz HTTP/1.7\r\nHost: x\r\n\r\n"), BOUND_MILLIS, true);

        assertJsonError(answer, 400, "unsupported_version");
        assertThat(answer.closed()).isTrue();
    }

    @Test
    void anH2cUpgradeWithBadSettingsIsServedAsHttp11() {
        Exchange answer = send("GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\n"
                + "Upgrade: h2c\r\nHTTP2-Settings: !!!\r\n\r\n");

        assertThat(answer.status()).isEqualTo(200);
        assertThat(answer.body()).contains("alive");
    }

    @Test
    void anHttp2PrefaceWithoutUpgradeIsAJson400AndClosed() {
        Exchange answer = RawHttp.exchange(port(), bytes("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), BOUND_MILLIS, true);

        assertJsonError(answer, 400, "unsupported_version");
        assertThat(answer.closed()).isTrue();
    }

    static void assertJsonError(Exchange answer, int status, String code) {
        assertThat(answer.ended()).as("the exchange ended in time").isTrue();
        assertThat(answer.status()).as("status of %s", answer.body()).isEqualTo(status);
        assertThat(answer.header("Content-Type")).startsWith("application/json");
        JsonObject body = new JsonObject(answer.body());
        assertThat(body.fieldNames()).containsExactlyInAnyOrder("error", "message");
        assertThat(body.getString("error")).isEqualTo(code);
        assertThat(body.getString("message")).isNotBlank().doesNotContain("Exception");
    }

    private static Exchange send(String request) {
        return RawHttp.exchange(port(), bytes(request), BOUND_MILLIS, false);
    }

    private static Exchange post(String path, String token, String contentType, String body) {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: " + contentType
                + "\r\nContent-Length: " + content.length + "\r\n"
                + (token == null ? "" : "Authorization: Bearer " + token + "\r\n") + "\r\n";
        return RawHttp.exchange(port(), (head + body).getBytes(StandardCharsets.UTF_8), BOUND_MILLIS, false);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static int port() {
        return URI.create(node.baseUrl()).getPort();
    }

    private static ch.qos.logback.classic.Logger root() {
        return ((LoggerContext) LoggerFactory.getILoggerFactory()).getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }
}
