package dev.drawbridge.app;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The edge's settings: CORS, token strictness, metrics access, TURN. */
class EdgeConfigTest {

    @Test
    void byDefaultNoOriginNoMetricsNoTurnAndAMinuteOfClockSkew() {
        EdgeConfig edge = Config.defaults().edge();

        assertThat(edge.corsOrigins()).isEmpty();
        assertThat(edge.metricsToken()).isEmpty();
        assertThat(edge.turn()).isFalse();
        assertThat(edge.tokenClockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(edge.turnTtl()).isEqualTo(Duration.ofHours(1));
        assertThat(edge.iceTransportPolicy()).isEqualTo("all");
    }

    @Test
    void theSettingsComeFromTheEnvironmentAsCommaSeparatedLists() {
        EdgeConfig edge = Config.parse(new String[] {"--turn-ttl", "10m"}, Map.of(
                "CORS_ORIGINS", "https://draw.example.org, http://localhost:3000",
                "TURN_URLS", "turn:turn.example.org:3478?transport=udp,turns:turn.example.org:5349",
                "TURN_SECRET", "s3cret", "METRICS_TOKEN", "scrape-me", "ICE_TRANSPORT_POLICY", "relay")).edge();

        assertThat(edge.corsOrigins()).containsExactly("https://draw.example.org", "http://localhost:3000");
        assertThat(edge.turnUrls()).containsExactly("turn:turn.example.org:3478?transport=udp", "turns:turn.example.org:5349");
        assertThat(edge.turnSecret()).hasValue("s3cret");
        assertThat(edge.metricsToken()).isEqualTo(Optional.of("scrape-me"));
        assertThat(edge.turnTtl()).isEqualTo(Duration.ofMinutes(10));
        assertThat(edge.iceTransportPolicy()).isEqualTo("relay");
    }

    @Test
    void theSecretsNeverShowWhenTheSettingsArePrinted() {
        EdgeConfig edge = Config.parse(new String[0], Map.of("TURN_URLS", "turn:t.example.org",
                "TURN_SECRET", "very-secret-turn", "METRICS_TOKEN", "very-secret-metrics")).edge();

        assertThat(edge.toString()).doesNotContain("very-secret-turn").doesNotContain("very-secret-metrics");
    }

    @Test
    void malformedEdgeSettingsStopTheNodeWithAMessageThatSaysWhy() {
        for (Map.Entry<Map<String, String>, String> bad : List.of(
                Map.entry(Map.of("TURN_URLS", "turn:t.example.org"), "--turn-secret"),
                Map.entry(Map.of("TURN_SECRET", "s"), "--turn-urls"),
                Map.entry(Map.of("TURN_URLS", "stun:t.example.org", "TURN_SECRET", "s"), "turn: or turns:"),
                Map.entry(Map.of("CORS_ORIGINS", "*"), "no '*'"),
                Map.entry(Map.of("CORS_ORIGINS", "https://draw.example.org/app"), "--cors-origins"),
                Map.entry(Map.of("ICE_TRANSPORT_POLICY", "none"), "--ice-transport-policy"),
                Map.entry(Map.of("ICE_TRANSPORT_POLICY", "relay"), "needs a TURN server"),
                Map.entry(Map.of("TOKEN_CLOCK_SKEW", "-1s"), "--token-clock-skew"))) {
            assertThatThrownBy(() -> Config.parse(new String[0], bad.getKey()))
                    .as("%s", bad.getKey())
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(bad.getValue());
        }
    }
}
