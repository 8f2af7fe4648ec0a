package io.kvconfig.runtime.firewall;

import java.util.Optional;

/**
 * A public IPv4 address, the only kind a Key Vault IP rule can usefully hold.
 *
 * <p>Refused (Key Vault refuses private ranges, and the others are never a caller's public address):
 * 0.0.0.0/8, 10.0.0.0/8, 100.64.0.0/10 (CGNAT), 127.0.0.0/8, 169.254.0.0/16, 172.16.0.0/12,
 * 192.0.0.0/24 (IETF protocol assignments), 192.88.99.0/24 (6to4 relay anycast), 192.168.0.0/16,
 * 198.18.0.0/15 (benchmarking), 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved) and 255.255.255.255.
 *
 * <p>Accepted on purpose: the documentation ranges 192.0.2.0/24, 198.51.100.0/24 and 203.0.113.0/24
 * (TEST-NET-1/2/3). Key Vault only refuses private (RFC 1918) ranges, a real echo service never
 * returns them, and the dev vault uses 203.0.113.10 as the caller's public address.
 *
 * <p>Only the strict dotted-quad form is accepted (four decimal octets 0-255, no leading zeros, no
 * surrounding text other than whitespace): {@code InetAddress} would also take "1.2.3" or octal forms.
 */
public record PublicIpv4(int bits) {

    /** Parses and classifies; the exception's message says what the text was and why it is refused. */
    public static PublicIpv4 parse(String text) {
        int bits = parseDotted(text);
        Optional<String> reason = nonPublicReason(bits);
        if (reason.isPresent()) {
            throw new InvalidAddressException(
                    "'" + format(bits) + "' is not a public IPv4 address: it is " + reason.get()
                            + "; a Key Vault IP rule needs the public address the vault sees");
        }
        return new PublicIpv4(bits);
    }

    /** Strict dotted-quad parse, without classification. */
    public static int parseDotted(String text) {
        if (text == null) {
            throw new InvalidAddressException("no address (null) is not an IPv4 address");
        }
        String s = text.strip();
        String shown = shown(s);
        if (s.isEmpty()) {
            throw new InvalidAddressException("an empty answer is not an IPv4 address");
        }
        if (s.indexOf(':') >= 0) {
            throw new InvalidAddressException("'" + shown + "' is not an IPv4 address (IPv6 is not supported by Key Vault IP rules)");
        }
        String[] parts = s.split("\\.", -1);
        if (parts.length != 4) {
            throw new InvalidAddressException("'" + shown + "' is not an IPv4 address (expected four dot-separated numbers)");
        }
        int bits = 0;
        for (String p : parts) {
            if (p.isEmpty() || p.length() > 3 || !p.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new InvalidAddressException("'" + shown + "' is not an IPv4 address (each part must be a number 0-255)");
            }
            if (p.length() > 1 && p.charAt(0) == '0') {
                throw new InvalidAddressException("'" + shown + "' is not an IPv4 address (leading zeros are ambiguous)");
            }
            int octet = Integer.parseInt(p);
            if (octet > 255) {
                throw new InvalidAddressException("'" + shown + "' is not an IPv4 address (each part must be a number 0-255)");
            }
            bits = (bits << 8) | octet;
        }
        return bits;
    }

    /** Why this address is not public, or empty when it is. */
    public static Optional<String> nonPublicReason(int bits) {
        for (Range r : REFUSED) {
            if (r.contains(bits)) {
                return Optional.of(r.description);
            }
        }
        return Optional.empty();
    }

    public static String format(int bits) {
        return ((bits >>> 24) & 0xff) + "." + ((bits >>> 16) & 0xff) + "." + ((bits >>> 8) & 0xff) + "." + (bits & 0xff);
    }

    /** The dotted form, e.g. "203.0.113.10". */
    public String address() {
        return format(bits);
    }

    @Override
    public String toString() {
        return address();
    }

    // Echo answers can be arbitrary text: keep messages short and printable.
    private static String shown(String s) {
        String cut = s.length() > 64 ? s.substring(0, 64) + "..." : s;
        StringBuilder b = new StringBuilder(cut.length());
        cut.codePoints().forEach(c -> b.append(c < 0x20 || c == 0x7f ? '?' : (char) c));
        return b.toString();
    }

    private record Range(int network, int prefix, String description) {
        boolean contains(int bits) {
            return Cidr.covers(network, prefix, bits);
        }
    }

    private static Range range(String cidr, String description) {
        int slash = cidr.indexOf('/');
        return new Range(parseDotted(cidr.substring(0, slash)), Integer.parseInt(cidr.substring(slash + 1)),
                description + " (" + cidr + ")");
    }

    private static final Range[] REFUSED = {
            range("0.0.0.0/8", "a \"this network\" address"),
            range("10.0.0.0/8", "a private network address"),
            range("100.64.0.0/10", "a carrier-grade NAT shared address"),
            range("127.0.0.0/8", "a loopback address"),
            range("169.254.0.0/16", "a link-local address"),
            range("172.16.0.0/12", "a private network address"),
            range("192.0.0.0/24", "an IETF protocol assignment address"),
            range("192.88.99.0/24", "a 6to4 relay anycast address"),
            range("192.168.0.0/16", "a private network address"),
            range("198.18.0.0/15", "a network benchmarking address"),
            range("224.0.0.0/4", "a multicast address"),
            range("255.255.255.255/32", "the broadcast address"),
            range("240.0.0.0/4", "a reserved address"),
    };
}
