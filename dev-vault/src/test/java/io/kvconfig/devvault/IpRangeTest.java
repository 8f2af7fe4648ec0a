package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IpRangeTest {
    @Test
    void singleAddressesBecomeSlash32() {
        assertThat(IpRange.parse("203.0.113.10").toString()).isEqualTo("203.0.113.10/32");
        assertThat(IpRange.parse(" 203.0.113.10/32 ").toString()).isEqualTo("203.0.113.10/32");
        assertThat(NetworkRules.normalizeIpRule("203.0.113.10")).isEqualTo("203.0.113.10/32");
    }

    @Test
    void cidrRangesAreNormalizedToTheirNetwork() {
        assertThat(IpRange.parse("203.0.113.77/24").toString()).isEqualTo("203.0.113.0/24");
        assertThat(IpRange.parse("0.0.0.0/0").toString()).isEqualTo("0.0.0.0/0");
    }

    @Test
    void containment() {
        IpRange r = IpRange.parse("203.0.113.0/24");
        assertThat(r.contains("203.0.113.0")).isTrue();
        assertThat(r.contains("203.0.113.255")).isTrue();
        assertThat(r.contains("203.0.114.0")).isFalse();
        assertThat(IpRange.parse("203.0.113.10").contains("203.0.113.10")).isTrue();
        assertThat(IpRange.parse("203.0.113.10").contains("203.0.113.11")).isFalse();
        assertThat(IpRange.parse("0.0.0.0/0").contains("8.8.8.8")).isTrue();
        assertThat(IpRange.parse("255.255.255.255/32").contains("255.255.255.255")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4/33", "a.b.c.d", "1.2.3.4/", "::1",
            "1.2.3.4/-1", "1234.1.1.1"})
    void invalidInputIsRefused(String text) {
        assertThatThrownBy(() -> IpRange.parse(text)).isInstanceOf(IllegalArgumentException.class);
        assertThat(IpRange.isIpv4(text)).isFalse();
    }

    @Test
    void nullIsRefused() {
        assertThatThrownBy(() -> IpRange.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.1.2.3", "10.0.0.0/8", "10.1.0.0/16", "172.16.0.1", "172.31.255.255", "192.168.1.1",
            "127.0.0.1", "169.254.1.1", "0.0.0.0/8", "0.1.2.3"})
    void privateAndReservedRangesAreForbiddenAsRules(String rule) {
        assertThatThrownBy(() -> NetworkRules.normalizeIpRule(rule))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("belongs to forbidden range");
    }

    @ParameterizedTest
    @ValueSource(strings = {"203.0.113.10", "198.51.100.0/24", "8.8.8.8", "172.32.0.1", "11.0.0.0/8",
            // Azure checks that a rule lies inside a forbidden range, not that it overlaps one
            "0.0.0.0/0", "8.0.0.0/4", "10.0.0.0/7", "172.0.0.0/8"})
    void publicAddressesAreAllowedAsRules(String rule) {
        assertThat(NetworkRules.normalizeIpRule(rule)).endsWith("/" + IpRange.parse(rule).prefix());
    }

    @Test
    void firewallDecisions() {
        NetworkRules open = NetworkRules.OPEN;
        assertThat(open.decide("203.0.113.10")).isEqualTo(NetworkRules.Decision.ALLOW);
        NetworkRules deny = open.withDefaultAction("Deny");
        assertThat(deny.decide("203.0.113.10")).isEqualTo(NetworkRules.Decision.FORBIDDEN_BY_FIREWALL);
        NetworkRules allowed = deny.withIpRules(java.util.List.of("203.0.113.0/24"));
        assertThat(allowed.decide("203.0.113.10")).isEqualTo(NetworkRules.Decision.ALLOW);
        assertThat(allowed.decide("198.51.100.1")).isEqualTo(NetworkRules.Decision.FORBIDDEN_BY_FIREWALL);
        assertThat(allowed.withPublicNetworkAccess("Disabled").decide("203.0.113.10"))
                .isEqualTo(NetworkRules.Decision.FORBIDDEN_BY_CONNECTION);
        assertThat(NetworkRules.fromJson(allowed.toJson())).isEqualTo(allowed);
        assertThatThrownBy(() -> NetworkRules.normalizeAction("Maybe")).isInstanceOf(IllegalArgumentException.class);
        assertThat(NetworkRules.normalizeAction("deny")).isEqualTo("Deny");
    }
}
