package dev.drawbridge.http;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The address bytes behind the per-address limits; the header handling is tested over HTTP (AddressLimitsTest). */
class ClientAddressTest {

    @Test
    void addressLiteralsAreReadAndNamesNeverAre() {
        assertThat(ClientAddress.bytes("192.0.2.7")).containsExactly(192, 0, 2, 7);
        assertThat(ClientAddress.bytes("[2001:db8::1]")).hasSize(16);
        assertThat(ClientAddress.bytes("localhost")).isNull();
        assertThat(ClientAddress.bytes("192.0.2.7:443")).isNull();
        assertThat(ClientAddress.bytes("")).isNull();
    }

    @Test
    void anIpv4MappedIpv6AddressIsTheIpv4Address() {
        assertThat(ClientAddress.bytes("::ffff:192.0.2.7")).containsExactly(192, 0, 2, 7);
    }

    @Test
    void ipv6ClientsAreCountedByTheirSlash64() {
        assertThat(ClientAddress.key(ClientAddress.bytes("2001:db8:1:2:aaaa::1")))
                .isEqualTo(ClientAddress.key(ClientAddress.bytes("2001:db8:1:2:bbbb::2")))
                .isNotEqualTo(ClientAddress.key(ClientAddress.bytes("2001:db8:1:3::1")));
        assertThat(ClientAddress.key(ClientAddress.bytes("192.0.2.7"))).isEqualTo("192.0.2.7");
    }
}
