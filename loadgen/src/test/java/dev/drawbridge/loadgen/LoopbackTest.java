package dev.drawbridge.loadgen;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LoopbackTest {

    @ParameterizedTest
    @ValueSource(strings = {"http://127.0.0.1:8081", "http://127.9.8.7:1", "http://localhost:80/",
            "http://LOCALHOST:8081", "http://[::1]:8081"})
    void loopbackUrlsAreAccepted(String url) {
        assertThat(Loopback.requireLoopbackUrl(url).getPort()).isPositive();
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://10.0.0.1:8081", "http://192.168.1.2:8081", "http://172.16.0.1:80",
            "http://128.0.0.1:80", "http://1.1.1.1:80", "http://example.com:80", "http://127.0.0.256:80",
            "http://127.0.0.1.example.com:80", "http://[::2]:80", "http://[::ffff:10.0.0.1]:80",
            "http://0x7f.0.0.1:80", "https://127.0.0.1:443", "http://127.0.0.1"})
    void everythingElseIsRefused(String url) {
        assertThatThrownBy(() -> Loopback.requireLoopbackUrl(url)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void optionsRefuseANonLoopbackNodeAmongSeveral() {
        assertThatThrownBy(() -> Options.parse("--url", "http://127.0.0.1:8081,http://10.1.2.3:8081"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("loopback");
    }

    @Test
    void optionsCapCountsAndTime() {
        assertThatThrownBy(() -> Options.parse("--clients", "100000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.parse("--duration", "100000")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Options.parse("--clients", "20000", "--messages", "1000"))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(Options.parse("--clients", "10", "--url", "http://127.0.0.1:9").clients()).isEqualTo(10);
    }

    @Test
    void sourceAddressesCountUpFrom127002() {
        Options o = Options.parse();
        assertThat(o.sourceAddress(0)).isEqualTo("127.0.0.2");
        assertThat(o.sourceAddress(3)).isEqualTo("127.0.0.5");
        assertThat(o.sourceAddress(254)).isEqualTo("127.0.1.0");
        assertThat(Loopback.isLoopback(o.sourceAddress(249))).isTrue();
    }
}
