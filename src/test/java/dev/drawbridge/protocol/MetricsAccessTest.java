package dev.drawbridge.protocol;

import dev.drawbridge.testing.Client;
import dev.drawbridge.testing.TestNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.drawbridge.protocol.ErrorAnswers.assertError;
import static org.assertj.core.api.Assertions.assertThat;

/** {@code /metrics} is for the holder of {@code METRICS_TOKEN} only; the relay latency histogram moves. */
class MetricsAccessTest {
    @RegisterExtension
    static final TestNode.PerClass node = TestNode.perClass();

    @Test
    void metricsWithoutTheTokenAre401AndWithAnotherTokenAre403() {
        assertError(Client.send(node.baseUrl(), "GET", "/metrics", null, null), 401, "missing_token");
        assertError(Client.send(node.baseUrl(), "GET", "/metrics", TestNode.METRICS_TOKEN + "x", null), 403, "invalid_token");
        Client ada = Client.access(node.baseUrl(), "ada");
        assertError(Client.send(node.baseUrl(), "GET", "/metrics", ada.token(), null), 403, "invalid_token");
    }

    @Test
    void aNodeWithoutAMetricsTokenServesNoMetricsAtAll() {
        try (TestNode bare = TestNode.startWithout("--metrics-token")) {
            assertError(Client.send(bare.baseUrl(), "GET", "/metrics", null, null), 404, "not_found");
            assertError(Client.send(bare.baseUrl(), "GET", "/metrics", TestNode.METRICS_TOKEN, null), 404, "not_found");
        }
    }

    @Test
    void theRelayLatencyHistogramCountsEveryRelayWrittenOnAStreamInBuckets() {
        Client ada = Client.access(node.baseUrl(), "ada").connect();
        Client bob = Client.access(node.baseUrl(), "bob").connect();
        ada.join("latency");
        bob.join("latency");
        bob.awaitEvent("add-peer");
        double before = count(TestNode.metrics(node.baseUrl()));

        for (int i = 0; i < 20; i++) {
            assertThat(bob.relay(ada.id(), "offer", "{\"n\":" + i + "}").statusCode()).isEqualTo(200);
        }
        Client.await("20 relays on ada's stream").until(() -> ada.events("offer").size() == 20);

        Client.await("the histogram counts them").until(() -> count(TestNode.metrics(node.baseUrl())) - before >= 20);
        String text = TestNode.metrics(node.baseUrl());
        assertThat(text)
                .containsPattern("(?m)^drawbridge_relay_latency_seconds_bucket\\{le=\"[0-9.E-]+\"} [0-9]")
                .containsPattern("(?m)^drawbridge_relay_latency_seconds_bucket\\{le=\"\\+Inf\"} [1-9]")
                .containsPattern("(?m)^drawbridge_relay_latency_seconds_max [0-9]")
                .containsPattern("(?m)^drawbridge_relay_latency_seconds_sum [0-9]");
    }

    /** drawbridge_relay_latency_seconds_count in a scrape. */
    static double count(String metrics) {
        Matcher m = Pattern.compile("(?m)^drawbridge_relay_latency_seconds_count (\\S+)").matcher(metrics);
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
