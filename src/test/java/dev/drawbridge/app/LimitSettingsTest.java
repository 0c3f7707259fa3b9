package dev.drawbridge.app;

import dev.drawbridge.http.RateLimits;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The settings of docs/LIMITS.md. */
class LimitSettingsTest {

    @Test
    void theDefaultsAreThoseOfTheDocs() {
        RateLimits limits = Config.defaults().limits();

        assertThat(limits.relay()).isEqualTo(new RateLimits.Rate(3000, Duration.ofSeconds(2)));
        assertThat(limits.join()).isEqualTo(new RateLimits.Rate(30, Duration.ofSeconds(10)));
        assertThat(limits.token()).isEqualTo(new RateLimits.Rate(300, Duration.ofSeconds(60)));
        assertThat(limits.stream()).isEqualTo(new RateLimits.Rate(600, Duration.ofSeconds(60)));
        assertThat(limits.nodeStream()).isEqualTo(new RateLimits.Rate(2000, Duration.ofSeconds(2)));
        assertThat(limits.maxStreams()).isEqualTo(20_000);
        assertThat(limits.maxAddressStreams()).isEqualTo(256);
        assertThat(limits.streamRetry()).isEqualTo(Duration.ofSeconds(5));
        assertThat(limits.trustedProxies()).isEmpty();
    }

    @Test
    void aRateIsABucketOverADurationAndZeroTurnsALimitOff() {
        RateLimits limits = Config.parse(new String[] {"--relay-limit", "10/500ms", "--join-limit", "0",
                "--max-streams", "0"}, Map.of("TOKEN_LIMIT", "5/1m", "TRUSTED_PROXIES", "127.0.0.1, 10.0.0.0/8,fd00::/8")).limits();

        assertThat(limits.relay()).isEqualTo(new RateLimits.Rate(10, Duration.ofMillis(500)));
        assertThat(limits.join().off()).isTrue();
        assertThat(limits.token()).isEqualTo(new RateLimits.Rate(5, Duration.ofMinutes(1)));
        assertThat(limits.maxStreams()).isZero();
        assertThat(limits.trustedProxies()).containsExactly("127.0.0.1", "10.0.0.0/8", "fd00::/8");
    }

    @Test
    void aMalformedLimitOrProxyIsRefusedWithAMessageNamingIt() {
        for (String bad : List.of("100", "x/1s", "10/", "-1/1s", "10/0s", "10/1y")) {
            assertThatThrownBy(() -> Config.parse(new String[] {"--relay-limit", bad}, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--relay-limit");
        }
        for (String bad : List.of("proxy.example.org", "10.0.0.0/33", "10.0.0.1/x")) {
            assertThatThrownBy(() -> Config.parse(new String[] {"--trusted-proxies", bad}, Map.of()))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--trusted-proxies")
                    .hasMessageContaining(bad);
        }
    }
}
