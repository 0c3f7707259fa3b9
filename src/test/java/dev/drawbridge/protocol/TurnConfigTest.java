package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code GET /config} with {@code TURN_URLS} and {@code TURN_SECRET}: TURN REST credentials, per peer. */
class TurnConfigTest {
    private static final String SECRET = "the-turn-servers-static-auth-secret";
    private static final String STUN = "{\"urls\":\"stun:stun.example.org:3478\"}";

    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass("--turn-urls",
            "turn:turn.example.org:3478?transport=udp, turns:turn.example.org:5349", "--turn-secret", SECRET,
            "--turn-ttl", "600s", "--ice-servers", "[" + STUN + "]", "--ice-transport-policy", "relay");

    @Test
    void withTheTokenOfAPeerConfigCarriesCredentialsForThatPeerAsCoturnsUseAuthSecretChecksThem() throws Exception {
        Client ada = Client.access(node.baseUrl(), "ada");
        long before = Instant.now().getEpochSecond();

        HttpResponse<String> answer = Client.send(node.baseUrl(), "GET", "/config", ada.token(), null);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).doesNotContain(SECRET);
        assertThat(answer.headers().firstValue("Cache-Control")).hasValue("no-store");
        JsonObject config = new JsonObject(answer.body());
        assertThat(config.getLong("iceServersTtl")).isEqualTo(600);
        assertThat(config.getString("iceTransportPolicy")).isEqualTo("relay");
        JsonArray servers = config.getJsonArray("iceServers");
        assertThat(servers.getJsonObject(0)).isEqualTo(new JsonObject(STUN));
        JsonObject turn = servers.getJsonObject(1);
        assertThat(turn.getJsonArray("urls")).containsExactly("turn:turn.example.org:3478?transport=udp",
                "turns:turn.example.org:5349");
        String[] username = turn.getString("username").split(":");
        assertThat(username[1]).isEqualTo(ada.id());
        assertThat(Long.parseLong(username[0])).isBetween(before + 600, Instant.now().getEpochSecond() + 600);
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
        String expected = Base64.getEncoder().encodeToString(mac.doFinal(turn.getString("username").getBytes(StandardCharsets.UTF_8)));
        assertThat(turn.getString("credential")).isEqualTo(expected);
    }

    @Test
    void withoutATokenConfigSaysThatTurnIsThereButCarriesNoCredentials() {
        HttpResponse<String> answer = Client.send(node.baseUrl(), "GET", "/config", null, null);

        assertThat(answer.statusCode()).isEqualTo(200);
        JsonObject config = new JsonObject(answer.body());
        assertThat(config.getBoolean("turn")).isTrue();
        assertThat(config.getJsonArray("iceServers")).containsExactly(new JsonObject(STUN));
        assertThat(answer.body()).doesNotContain(SECRET).doesNotContain("credential");
    }

    @Test
    void aBadTokenIsRefusedWith403AndATokenInTheQueryWith401() {
        assertError(Client.send(node.baseUrl(), "GET", "/config", "not.a.jwt", null), 403, "invalid_token");
        Client ada = Client.access(node.baseUrl(), "ada");
        assertError(Client.send(node.baseUrl(), "GET", "/config?token=" + ada.token(), null, null), 401, "token_in_query");
    }

    @Test
    void twoPeersGetCredentialsOfTheirOwn() {
        String ada = turnUsername(Client.access(node.baseUrl(), "ada"));
        String bob = turnUsername(Client.access(node.baseUrl(), "bob"));

        assertThat(ada).isNotEqualTo(bob);
    }

    private static String turnUsername(Client client) {
        JsonObject config = new JsonObject(Client.send(node.baseUrl(), "GET", "/config", client.token(), null).body());
        return config.getJsonArray("iceServers").getJsonObject(1).getString("username");
    }
}
