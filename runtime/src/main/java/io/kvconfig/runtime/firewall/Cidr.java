package io.kvconfig.runtime.firewall;

import java.util.Optional;

/**
 * An IPv4 network as Key Vault IP rules hold it: "a.b.c.d" (a single address) or "a.b.c.d/n".
 * Used to decide whether an existing rule already lets an address through.
 */
public record Cidr(int network, int prefix) {

    /**
     * Parses a rule value. Host bits set in the network part are tolerated (masked off), as a lenient
     * reading of someone else's rule must never make us think an address is covered when it is not.
     * Anything unparseable (an IPv6 rule, garbage) is empty: it covers nothing we care about.
     */
    public static Optional<Cidr> parse(String rule) {
        if (rule == null) {
            return Optional.empty();
        }
        String s = rule.strip();
        int prefix = 32;
        int slash = s.indexOf('/');
        try {
            if (slash >= 0) {
                String p = s.substring(slash + 1);
                if (p.isEmpty() || p.length() > 2 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                    return Optional.empty();
                }
                prefix = Integer.parseInt(p);
                if (prefix > 32) {
                    return Optional.empty();
                }
                s = s.substring(0, slash);
            }
            int bits = PublicIpv4.parseDotted(s);
            return Optional.of(new Cidr(bits & mask(prefix), prefix));
        } catch (InvalidAddressException e) {
            return Optional.empty();
        }
    }

    /** Does the rule text (exact address or CIDR range) let this address through? */
    public static boolean ruleCovers(String rule, PublicIpv4 address) {
        return parse(rule).map(c -> c.contains(address.bits())).orElse(false);
    }

    public boolean contains(int bits) {
        return covers(network, prefix, bits);
    }

    static boolean covers(int network, int prefix, int bits) {
        int m = mask(prefix);
        return (bits & m) == (network & m);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    @Override
    public String toString() {
        return PublicIpv4.format(network) + "/" + prefix;
    }
}
