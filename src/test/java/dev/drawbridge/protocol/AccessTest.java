package dev.drawbridge.protocol;

import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.drawbridge.auth.Tokens;
import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.UUID;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** PROTOCOL.md, "Identity". */
class AccessTest {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();

    @Test
    void accessAnswersAnHs256TokenWithAFreshPeerIdTheUsernameAndAnHourOfLife() throws Exception {
        HttpResponse<String> response = access("{\"username\": \"ada\"}");

        assertThat(response.statusCode()).isEqualTo(200);
        SignedJWT jwt = SignedJWT.parse(new JsonObject(response.body()).getString("token"));
        assertThat(jwt.getHeader().getAlgorithm().getName()).isEqualTo("HS256");
        assertThat(jwt.verify(new MACVerifier(TestNode.SECRET.getBytes(StandardCharsets.UTF_8)))).isTrue();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(UUID.fromString(claims.getStringClaim("id")).toString()).isEqualTo(claims.getStringClaim("id"));
        assertThat(claims.getStringClaim("username")).isEqualTo("ada");
        assertThat(Duration.between(claims.getIssueTime().toInstant(), claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofHours(1));
    }

    @Test
    void everyAccessNamesANewPeer() {
        Client first = Client.access(node.baseUrl(), "ada");
        Client second = Client.access(node.baseUrl(), "ada");

        assertThat(first.id()).isNotEqualTo(second.id());
    }

    @Test
    void theUsernameIsTrimmed() throws Exception {
        HttpResponse<String> response = access("{\"username\": \"  grace hopper \\t\"}");

        SignedJWT jwt = SignedJWT.parse(new JsonObject(response.body()).getString("token"));
        assertThat(jwt.getJWTClaimsSet().getStringClaim("username")).isEqualTo("grace hopper");
    }

    @Test
    void aUsernameOfSixtyFourCharactersIsAccepted() {
        assertThat(access(new JsonObject().put("username", "é".repeat(64)).encode()).statusCode()).isEqualTo(200);
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "{\"username\": \"\"}",
            "{\"username\": \"   \"}",
            "{\"username\": \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}",
            "{\"username\": \"bell\\u0007\"}",
            "{\"username\": \"two\\nlines\"}",
            "{\"username\": 42}",
            "{\"name\": \"ada\"}",
            "{}"})
    void aBadUsernameIsRefusedWith400InvalidUsername(String body) {
        assertError(access(body), 400, "invalid_username");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "username=ada", "{\"username\": ", "[\"ada\"]"})
    void aBodyThatIsNotAJsonObjectIsRefusedWith400InvalidJson(String body) {
        assertError(access(body), 400, "invalid_json");
    }

    @Test
    void refreshAnswersANewTokenForTheSamePeer() throws Exception {
        Client client = Client.access(node.baseUrl(), "ada");

        HttpResponse<String> response = client.post("/access/refresh", "");

        assertThat(response.statusCode()).isEqualTo(200);
        SignedJWT jwt = SignedJWT.parse(new JsonObject(response.body()).getString("token"));
        assertThat(jwt.getJWTClaimsSet().getStringClaim("id")).isEqualTo(client.id());
        assertThat(jwt.getJWTClaimsSet().getStringClaim("username")).isEqualTo("ada");
    }

    @Test
    void aTokenExpiredLessThanTheGraceAgoCanStillBeRefreshed() {
        String expired = tokenIssuedAgo(Duration.ofHours(1).plusMinutes(4));

        HttpResponse<String> response = Client.send(node.baseUrl(), "POST", "/access/refresh", expired, "");

        assertThat(response.statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenExpiredLongerThanTheGraceAgoCannotBeRefreshed() {
        String expired = tokenIssuedAgo(Duration.ofHours(1).plusMinutes(6));

        assertError(Client.send(node.baseUrl(), "POST", "/access/refresh", expired, ""), 403, "token_expired");
    }

    @Test
    void refreshWithoutATokenIsRefusedWith401() {
        assertError(Client.send(node.baseUrl(), "POST", "/access/refresh", null, ""), 401, "missing_token");
    }

    @Test
    void aRequestWithoutATokenIsRefusedWith401() {
        assertError(Client.send(node.baseUrl(), "POST", "/room/join", null, ""), 401, "missing_token");
        assertError(Client.send(node.baseUrl(), "POST", "/relay/" + UUID.randomUUID() + "/offer", null, "{}"),
                401, "missing_token");
        assertError(Client.send(node.baseUrl(), "GET", "/connect", null, null), 401, "missing_token");
    }

    @Test
    void anExpiredTokenIsRefusedWith403() {
        String expired = tokenIssuedAgo(Duration.ofHours(2));

        assertError(Client.send(node.baseUrl(), "POST", "/room/join", expired, ""), 403, "token_expired");
    }

    @Test
    void aTokenSignedWithAnotherSecretIsRefusedWith403() {
        Tokens forger = new Tokens("another-secret-that-is-32-bytes-or-more".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1), Duration.ofMinutes(5), Clock.systemUTC());

        assertError(Client.send(node.baseUrl(), "POST", "/room/join", forger.issue("mallory"), ""),
                403, "invalid_token");
    }

    @Test
    void aMalformedTokenIsRefusedWith403() {
        assertError(Client.send(node.baseUrl(), "POST", "/room/join", "not.a.jwt", ""), 403, "invalid_token");
    }

    @Test
    void anUnsignedTokenIsRefusedWith403() {
        String header = base64("{\"alg\":\"none\"}");
        String payload = base64(new JsonObject().put("id", UUID.randomUUID().toString()).put("username", "eve")
                .put("exp", Instant.now().getEpochSecond() + 600).encode());

        assertError(Client.send(node.baseUrl(), "POST", "/room/join", header + "." + payload + ".", ""),
                403, "invalid_token");
    }

    @Test
    void aTokenInTheQueryOfAnyRequestButTheStreamIsRefusedWith401AndTheAdviceToUseTheBearerHeader() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        String query = "?token=" + ada.token();

        for (HttpResponse<String> answer : java.util.List.of(
                Client.send(node.baseUrl(), "POST", "/query-room/join" + query, null, ""),
                Client.send(node.baseUrl(), "POST", "/query-room/leave" + query, null, ""),
                Client.send(node.baseUrl(), "POST", "/relay/" + UUID.randomUUID() + "/offer" + query, null, "{}"),
                Client.send(node.baseUrl(), "POST", "/access/refresh" + query, null, ""),
                // Even beside a good header: a URL that carries a token is refused wherever it is not needed.
                Client.send(node.baseUrl(), "POST", "/query-room/join" + query, ada.token(), ""))) {
            assertError(answer, 401, "token_in_query");
            assertThat(new JsonObject(answer.body()).getString("message")).contains("Authorization: Bearer");
        }
        assertThat(ada.join("query-room").statusCode()).isEqualTo(200);
    }

    @Test
    void aTokenIssuedInTheFutureBeyondTheClockSkewIsRefusedWith403() {
        String early = tokenIssuedAgo(Duration.ofMinutes(-5));

        assertError(Client.send(node.baseUrl(), "POST", "/room/join", early, ""), 403, "invalid_token");
        assertError(Client.send(node.baseUrl(), "GET", "/connect?token=" + early, null, null), 403, "invalid_token");
    }

    @Test
    void aTokenLivingLongerThanTheNodesTokenLifetimeIsRefusedWith403EvenWithTheRightSecret() {
        String centuryLong = new Tokens(TestNode.SECRET.getBytes(StandardCharsets.UTF_8), Duration.ofDays(36_500),
                Duration.ofMinutes(5), Clock.systemUTC()).issue("mallory");

        assertError(Client.send(node.baseUrl(), "POST", "/room/join", centuryLong, ""), 403, "invalid_token");
        assertError(Client.send(node.baseUrl(), "POST", "/access/refresh", centuryLong, ""), 403, "invalid_token");
    }

    @Test
    void theEventStreamTakesItsTokenFromTheQueryAndOtherRequestsFromTheBearerHeader() {
        Client client = Client.access(node.baseUrl(), "ada").connect();

        assertThat(client.join("access-room").statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> access(String body) {
        return Client.send(node.baseUrl(), "POST", "/access", null, body);
    }

    private static String tokenIssuedAgo(Duration ago) {
        Clock past = Clock.fixed(Instant.now().minus(ago), ZoneOffset.UTC);
        return new Tokens(TestNode.SECRET.getBytes(StandardCharsets.UTF_8), Duration.ofHours(1),
                Duration.ofMinutes(5), past).issue("ada");
    }

    private static String base64(String json) {
        return java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
