package io.kvconfig.devvault;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An IPv4 address or CIDR range as Key Vault IP rules take them; a single address is stored as /32. */
record IpRange(long base, int prefix) {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(?:/(\\d{1,2}))?");
    private static final List<IpRange> FORBIDDEN = List.of(
            parse("0.0.0.0/8"), parse("10.0.0.0/8"), parse("127.0.0.0/8"), parse("169.254.0.0/16"),
            parse("172.16.0.0/12"), parse("192.168.0.0/16"));

    /** Parses "a.b.c.d" or "a.b.c.d/n"; throws IllegalArgumentException naming the problem. */
    static IpRange parse(String text) {
        Matcher m = IPV4.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not an IPv4 address or CIDR range");
        }
        long ip = 0;
        for (int i = 1; i <= 4; i++) {
            int octet = Integer.parseInt(m.group(i));
            if (octet > 255) {
                throw new IllegalArgumentException("'" + text + "' is not an IPv4 address or CIDR range");
            }
            ip = (ip << 8) | octet;
        }
        int prefix = m.group(5) == null ? 32 : Integer.parseInt(m.group(5));
        if (prefix > 32) {
            throw new IllegalArgumentException("'" + text + "' has an invalid prefix length");
        }
        return new IpRange(ip & mask(prefix), prefix);
    }

    static boolean isIpv4(String text) {
        try {
            return parse(text).prefix == 32 && !text.contains("/");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    boolean contains(String address) {
        IpRange a = parse(address);
        return (a.base & mask(prefix)) == base;
    }

    boolean overlaps(IpRange other) {
        int p = Math.min(prefix, other.prefix);
        return (base & mask(p)) == (other.base & mask(p));
    }

    /**
     * The forbidden (private/reserved) range this lies inside, or null. Azure checks containment, not overlap: a range
     * that merely spans a private one (0.0.0.0/0, 8.0.0.0/4) is accepted.
     */
    IpRange forbiddenContaining() {
        for (IpRange f : FORBIDDEN) {
            if (prefix >= f.prefix && overlaps(f)) {
                return f;
            }
        }
        return null;
    }

    String first() {
        return format(base);
    }

    String last() {
        return format(base | (~mask(prefix) & 0xFFFFFFFFL));
    }

    @Override
    public String toString() {
        return format(base) + "/" + prefix;
    }

    private static long mask(int prefix) {
        return prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    }

    private static String format(long ip) {
        return ((ip >> 24) & 0xFF) + "." + ((ip >> 16) & 0xFF) + "." + ((ip >> 8) & 0xFF) + "." + (ip & 0xFF);
    }
}
