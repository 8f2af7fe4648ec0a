package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class PublicIpv4Test {

    @ParameterizedTest
    @ValueSource(strings = { "1.1.1.1", "8.8.8.8", "20.50.2.1", "52.0.0.1", "9.255.255.255", "11.0.0.0",
            "100.63.255.255", "100.128.0.0", "126.255.255.255", "128.0.0.0", "169.253.255.255", "169.255.0.0",
            "172.15.255.255", "172.32.0.0", "192.0.1.0", "192.88.98.255", "192.88.100.0", "192.167.255.255",
            "192.169.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
            // documentation ranges are accepted on purpose (Key Vault takes them; dev vault default)
            "203.0.113.10", "192.0.2.1", "198.51.100.7" })
    void acceptsPublicAddresses(String text) {
        assertThat(PublicIpv4.parse(text).address()).isEqualTo(text);
    }

    @Test
    void trimsWhitespaceAndNewlineFromEchoAnswers() {
        assertThat(PublicIpv4.parse(" 203.0.113.10\n").address()).isEqualTo("203.0.113.10");
        assertThat(PublicIpv4.parse("8.8.4.4\r\n").toString()).isEqualTo("8.8.4.4");
    }

    @ParameterizedTest
    @CsvSource({
            "0.0.0.0, this network",
            "0.255.255.255, this network",
            "10.0.0.1, private network address (10.0.0.0/8)",
            "10.255.255.255, private network",
            "100.64.0.1, carrier-grade NAT",
            "100.127.255.255, carrier-grade NAT",
            "127.0.0.1, loopback",
            "127.255.255.254, loopback",
            "169.254.169.254, link-local",
            "172.16.0.1, private network address (172.16.0.0/12)",
            "172.31.255.255, private network",
            "192.0.0.8, IETF protocol",
            "192.88.99.1, 6to4",
            "192.168.1.10, private network address (192.168.0.0/16)",
            "198.18.0.1, benchmarking",
            "198.19.255.255, benchmarking",
            "224.0.0.1, multicast",
            "239.255.255.255, multicast",
            "240.0.0.1, reserved",
            "254.255.255.255, reserved",
            "255.255.255.255, broadcast",
    })
    void refusesNonPublicAddressesSayingWhy(String text, String why) {
        assertThatThrownBy(() -> PublicIpv4.parse(text))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("'" + text + "' is not a public IPv4 address")
                .hasMessageContaining(why);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "   ", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.", ".1.2.3", "256.1.1.1", "1.2.3.256",
            "01.2.3.4", "1.2.3.04", "1.2.3.-4", "+1.2.3.4", "a.b.c.d", "1.2.3.4/32", "1.2.3.4 5", "1234.1.1.1",
            "<html>1.2.3.4</html>", "0x7f.0.0.1", "1,2,3,4", "1.2.3.4\n5.6.7.8" })
    void refusesMalformedText(String text) {
        assertThatThrownBy(() -> PublicIpv4.parse(text))
                .isInstanceOf(InvalidAddressException.class)
                .hasMessageContaining("is not an IPv4 address");
    }

    @Test
    void refusesIpv6WithTheReason() {
        assertThatThrownBy(() -> PublicIpv4.parse("2001:db8::1"))
                .hasMessageContaining("IPv6 is not supported");
    }

    @Test
    void refusesNull() {
        assertThatThrownBy(() -> PublicIpv4.parse(null)).isInstanceOf(InvalidAddressException.class);
    }

    @Test
    void messagesAreShortAndPrintableForGarbageAnswers() {
        String garbage = "x".repeat(500) + "\u0007";
        assertThatThrownBy(() -> PublicIpv4.parse(garbage))
                .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(200))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\u0007"));
    }

    @Test
    void formatAndBitsRoundTrip() {
        PublicIpv4 ip = PublicIpv4.parse("203.0.113.10");
        assertThat(PublicIpv4.format(ip.bits())).isEqualTo("203.0.113.10");
        assertThat(PublicIpv4.parseDotted("255.255.255.255")).isEqualTo(-1);
        assertThat(PublicIpv4.nonPublicReason(PublicIpv4.parseDotted("8.8.8.8"))).isEmpty();
    }
}
