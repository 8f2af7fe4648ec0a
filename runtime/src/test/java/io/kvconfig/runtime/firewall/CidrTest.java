package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class CidrTest {

    @ParameterizedTest
    @CsvSource({
            "203.0.113.10, 203.0.113.10, true",
            "203.0.113.10/32, 203.0.113.10, true",
            "203.0.113.0/24, 203.0.113.10, true",
            "203.0.113.0/24, 203.0.114.10, false",
            "203.0.112.0/23, 203.0.113.255, true",
            "203.0.112.0/23, 203.0.114.0, false",
            "203.0.113.11, 203.0.113.10, false",
            "203.0.113.11/32, 203.0.113.10, false",
            "0.0.0.0/0, 8.8.8.8, true",
            "8.0.0.0/8, 8.8.8.8, true",
            "9.0.0.0/8, 8.8.8.8, false",
            "203.0.113.10/31, 203.0.113.11, true",
            "203.0.113.10/31, 203.0.113.12, false",
            // host bits set in someone else's rule: read as the network it denotes
            "203.0.113.77/24, 203.0.113.10, true",
            " 203.0.113.10 , 203.0.113.10, true",
    })
    void coverage(String rule, String address, boolean covered) {
        assertThat(Cidr.ruleCovers(rule, PublicIpv4.parse(address))).isEqualTo(covered);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "/24", "203.0.113.0/", "203.0.113.0/33", "203.0.113.0/-1", "203.0.113.0/a",
            "2001:db8::/32", "garbage", "203.0.113/24", "203.0.113.0/24/1", "203.0.113.0/024" })
    void unparseableRulesCoverNothing(String rule) {
        assertThat(Cidr.parse(rule)).isEmpty();
        assertThat(Cidr.ruleCovers(rule, PublicIpv4.parse("203.0.113.10"))).isFalse();
    }

    @Test
    void nullRuleCoversNothing() {
        assertThat(Cidr.ruleCovers(null, PublicIpv4.parse("203.0.113.10"))).isFalse();
    }

    @Test
    void normalisesToNetworkAddress() {
        assertThat(Cidr.parse("203.0.113.77/24")).get().hasToString("203.0.113.0/24");
        assertThat(Cidr.parse("203.0.113.77")).get().hasToString("203.0.113.77/32");
        assertThat(Cidr.parse("1.2.3.4/0")).get().hasToString("0.0.0.0/0");
    }
}
