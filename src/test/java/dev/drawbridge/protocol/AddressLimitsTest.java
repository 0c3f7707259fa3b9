package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.FromAddress;
import dev.drawbridge.testing.SseEvent;
import dev.drawbridge.testing.TestNode;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static dev.drawbridge.protocol.PeerLimitsTest.assertRateLimited;
import static dev.drawbridge.testing.FromAddress.metric;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * docs/LIMITS.md: the per-address limits (tokens, new streams, open streams) with short limits; each
 * test is its own client address, a loopback source address of its own. 127.0.0.9 and 10/8 are the
 * trusted proxies.
 */
class AddressLimitsTest {
    private static final int TOKENS = 3;
    private static final int STREAMS = 3;
    private static final int OPEN = 2;
    private static final String PROXY = "127.0.0.9";

    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass(
            "--token-limit", TOKENS + "/30s", "--stream-limit", STREAMS + "/30s",
            "--max-address-streams", Integer.toString(OPEN), "--stream-retry", "1s",
            "--trusted-proxies", PROXY + ", 10.0.0.0/8");

    private static int tokenSources;

    private static FromAddress from(String address) {
        return FromAddress.of(node.baseUrl(), address);
    }

    /** A token from an address of its own, so that the streams' tests spend no token bucket of theirs. */
    private static String freshToken(String username) {
        return from("127.0.1." + ++tokenSources).token(username);
    }

    @Test
    void tokensUnderTheAddressLimitAreIssuedAndTheNextIsRefusedWith429WhileAnotherAddressGetsOne() {
        FromAddress crowd = from("127.0.0.11");
        double before = limited("token");
        for (int i = 0; i < TOKENS; i++) {
            assertThat(crowd.access("p" + i).statusCode()).isEqualTo(200);
        }

        HttpResponse<String> over = crowd.access("over");

        assertRateLimited(over, 30, TOKENS);
        assertThat(over.body()).doesNotContain("token\":");
        assertThat(limited("token")).isEqualTo(before + 1);
        assertThat(from("127.0.0.12").access("elsewhere").statusCode()).isEqualTo(200);
    }

    @Test
    void aRefreshSpendsTheSameBucketAsANewToken() {
        FromAddress crowd = from("127.0.0.13");
        String token = crowd.token("ada");
        crowd.token("bob");
        assertThat(crowd.send("POST", "/access/refresh", token, "{}").statusCode()).isEqualTo(200);

        assertRateLimited(crowd.send("POST", "/access/refresh", token, "{}"), 30, TOKENS);
    }

    @Test
    void aNewStreamOverTheAddressRateGetsTheStreamAnswerAndIsNotConnected() {
        FromAddress crowd = from("127.0.0.15");
        for (int i = 0; i < STREAMS; i++) {
            try (FromAddress.Stream stream = crowd.connect(freshToken("p" + i))) {
                stream.awaitEvent("connected");
            }
        }
        String token = freshToken("over");
        double before = limited("stream");

        FromAddress.Stream refused = crowd.connect(token);

        assertStreamAnswer(refused, "stream", 1_000);
        assertThat(limited("stream")).isEqualTo(before + 1);
        assertError(Client.send(node.baseUrl(), "POST", "/refused/join", token, "{}"), 409, "not_connected");
    }

    @Test
    void aStreamOverTheAddressCapGetsTheStreamAnswerAndOneOpensOnceAnotherCloses() {
        FromAddress crowd = from("127.0.0.17");
        List<FromAddress.Stream> held = new ArrayList<>();
        for (int i = 0; i < OPEN; i++) {
            held.add(crowd.connect(freshToken("p" + i)));
            held.get(i).awaitEvent("connected");
        }
        String token = freshToken("third");
        double before = limited("address_streams");

        assertStreamAnswer(crowd.connect(token), "address_streams", 1_000);
        assertThat(limited("address_streams")).isEqualTo(before + 1);

        held.getFirst().close();
        FromAddress.Stream[] opened = new FromAddress.Stream[1];
        Client.await("a stream once one of the address's closed").until(() -> {
            FromAddress.Stream attempt = crowd.connect(token);
            attempt.awaitFirstEvent();
            if (attempt.events().stream().anyMatch(e -> e.event().equals("connected"))) {
                opened[0] = attempt;
                return true;
            }
            attempt.close();
            return false;
        });
        opened[0].close();
        held.getLast().close();
    }

    @Test
    void behindATrustedProxyTheClientIsTheRightMostAddressThatIsNotAProxy() {
        FromAddress proxy = from(PROXY);
        FromAddress client = proxy.forwardedFor("203.0.113.7");
        for (int i = 0; i < TOKENS; i++) {
            assertThat(client.access("p" + i).statusCode()).isEqualTo(200);
        }
        assertRateLimited(client.access("over"), 30, TOKENS);
        // What the client wrote left of its own address changes nothing; nor does a second trusted hop.
        assertThat(proxy.forwardedFor("198.51.100.1, 203.0.113.7").access("spoof").statusCode()).isEqualTo(429);
        assertThat(proxy.forwardedFor("203.0.113.7, 10.1.2.3").access("via two proxies").statusCode()).isEqualTo(429);
        assertThat(proxy.forwardedFor("203.0.113.8").access("another client").statusCode()).isEqualTo(200);
    }

    @Test
    void aClientThatIsNoTrustedProxyIsCountedByItsSocketWhateverForwardedForItSends() {
        FromAddress spoofer = from("127.0.0.18");
        for (int i = 0; i < TOKENS; i++) {
            assertThat(spoofer.forwardedFor("192.0.2." + i).access("p" + i).statusCode()).isEqualTo(200);
        }

        assertRateLimited(spoofer.forwardedFor("192.0.2.99").access("over"), 30, TOKENS);
    }

    /**
     * The stream answer: {@code 200 text/event-stream}, {@code Retry-After}, an SSE retry of at least
     * {@code leastMillis}, one {@code reconnect} event with that delay and the error, then the end.
     */
    static void assertStreamAnswer(FromAddress.Stream stream, String limit, long leastMillis) {
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.header("Content-Type")).startsWith("text/event-stream");
        assertThat(Long.parseLong(stream.header("Retry-After"))).isGreaterThanOrEqualTo(1);
        stream.awaitEnd();
        assertThat(stream.events()).extracting(SseEvent::event).containsExactly("reconnect");
        JsonObject reconnect = stream.events().getFirst().json();
        assertThat(reconnect.getString("error")).isEqualTo("rate_limited");
        assertThat(reconnect.getString("limit")).isEqualTo(limit);
        assertThat(reconnect.getString("message")).isNotBlank();
        assertThat(reconnect.getLong("after_ms")).isGreaterThanOrEqualTo(leastMillis);
        assertThat(stream.retries()).containsExactly(reconnect.getLong("after_ms"));
        assertThat(Long.parseLong(stream.header("Retry-After")))
                .isEqualTo((reconnect.getLong("after_ms") + 999) / 1000);
    }

    static double limited(String limit) {
        return metric(node.baseUrl(), "drawbridge_limited_total{limit=\"" + limit + "\"}");
    }
}
