package io.kvconfig.runtime.reference;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;

/**
 * Pure parser of the {@code @kv:} reference syntax.
 *
 * <pre>
 * &#64;kv:&lt;name&gt;                                         latest version, default vault
 * &#64;kv:&lt;name&gt;/&lt;version&gt;                               pinned version, default vault
 * &#64;kv:https://&lt;vault-host&gt;[:port]/secrets/&lt;name&gt;[/]          latest version, that vault (any cloud)
 * &#64;kv:https://&lt;vault-host&gt;[:port]/secrets/&lt;name&gt;/&lt;version&gt;  pinned version, that vault
 * &#64;kv?:...                                          optional: a missing secret leaves the property unset
 * </pre>
 *
 * Decisions:
 * <ul>
 * <li>The prefix is case-sensitive ({@code @KV:} is a plain value).</li>
 * <li>Whitespace around the whole value is ignored (trailing blanks and {@code \r} from CRLF files are common);
 * whitespace or control characters inside a reference are an error.</li>
 * <li>Names: 1-127 of {@code 0-9a-zA-Z-} (Key Vault's rule).</li>
 * <li>Versions: Key Vault issues 32 lowercase hex characters, but the service treats a version as an opaque
 * identifier; we accept 1-64 of {@code 0-9a-zA-Z} so a wrong-but-plausible version gets a clear "not found" from
 * the vault instead of a syntax error, while separators, encodings and injection characters are still refused.</li>
 * <li>The URI form: {@code https} only, no user info, query or fragment, and a path of exactly
 * {@code /secrets/<name>[/<version>]}. A single trailing slash after the name (App Service's "latest" form) is
 * accepted; the short form refuses {@code name/} (an empty version). The vault URL is normalised to
 * {@code https://<lower-case host>[:port]} (port 443 dropped) so references to one vault deduplicate.</li>
 * </ul>
 */
public final class SecretReferenceParser {

    public static final String PREFIX = "@kv:";
    public static final String OPTIONAL_PREFIX = "@kv?:";
    public static final int MAX_NAME_LENGTH = 127;
    public static final int MAX_VERSION_LENGTH = 64;

    private static final String SYNTAX = "expected @kv:<name>, @kv:<name>/<version> or "
            + "@kv:https://<vault-host>/secrets/<name>[/<version>] (@kv?: for optional)";

    private SecretReferenceParser() {
    }

    /** True when the value (ignoring surrounding whitespace) starts with {@code @kv:} or {@code @kv?:}. */
    public static boolean isReference(String value) {
        if (value == null) {
            return false;
        }
        String s = value.strip();
        return s.startsWith(PREFIX) || s.startsWith(OPTIONAL_PREFIX);
    }

    /**
     * Parses a reference.
     *
     * @throws InvalidReferenceException naming what is wrong
     */
    public static SecretReference parse(String value) {
        if (value == null) {
            throw new InvalidReferenceException("Key Vault reference is null; " + SYNTAX);
        }
        String s = value.strip();
        boolean optional;
        String body;
        if (s.startsWith(OPTIONAL_PREFIX)) {
            optional = true;
            body = s.substring(OPTIONAL_PREFIX.length());
        } else if (s.startsWith(PREFIX)) {
            optional = false;
            body = s.substring(PREFIX.length());
        } else {
            throw new InvalidReferenceException("Not a Key Vault reference " + quote(value)
                    + ": it must start with '@kv:' or '@kv?:'");
        }
        if (body.isEmpty()) {
            throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value)
                    + ": the secret name is missing; " + SYNTAX);
        }
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            if (Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c)) {
                throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value)
                        + ": it contains whitespace or a control character");
            }
        }
        if (body.contains("://") || body.regionMatches(true, 0, "https:", 0, 6)
                || body.regionMatches(true, 0, "http:", 0, 5)) {
            return parseUri(value, body, optional);
        }
        String[] parts = body.split("/", -1);
        if (parts.length > 2) {
            throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value)
                    + ": too many '/'; use @kv:<name>/<version>, or the full secret URI "
                    + "@kv:https://<vault-host>/secrets/<name>/<version> for another vault");
        }
        String name = checkName(value, parts[0]);
        String version = null;
        if (parts.length == 2) {
            if (parts[1].isEmpty()) {
                throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value)
                        + ": the version after '/' is empty; drop the '/' to use the latest version");
            }
            version = checkVersion(value, parts[1]);
        }
        return new SecretReference(null, name, version, optional);
    }

    private static SecretReference parseUri(String value, String body, boolean optional) {
        URI uri = toHttpsUri(body, "Invalid Key Vault reference " + quote(value));
        String prefix = "Invalid Key Vault reference " + quote(value) + ": ";
        String path = uri.getRawPath();
        if (path == null || !path.startsWith("/secrets/")) {
            throw new InvalidReferenceException(prefix + "the path must be /secrets/<name>[/<version>]");
        }
        String[] parts = path.substring("/secrets/".length()).split("/", -1);
        if (parts.length > 2) {
            throw new InvalidReferenceException(prefix + "the path must be /secrets/<name>[/<version>], found extra segments");
        }
        String name = checkName(value, parts[0]);
        String version = null;
        if (parts.length == 2 && !parts[1].isEmpty()) {
            version = checkVersion(value, parts[1]);
        }
        return new SecretReference(vaultUrlOf(uri), name, version, optional);
    }

    /**
     * Validates and normalises a vault URL: {@code https://<host>[:port]} with an optional trailing slash and
     * nothing else. Returns it as {@code https://<lower-case host>[:port]} (no trailing slash, port 443 dropped).
     *
     * @throws InvalidReferenceException naming what is wrong
     */
    public static String normalizeVaultUrl(String url) {
        if (url == null || url.isBlank()) {
            throw new InvalidReferenceException("Vault URL is empty; expected https://<vault-name>.vault.azure.net");
        }
        String s = url.strip();
        String what = "Invalid vault URL " + quote(url);
        URI uri = toHttpsUri(s, what);
        String path = uri.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            throw new InvalidReferenceException(what + ": it must not have a path (expected https://<vault-host>[:port]/)");
        }
        return vaultUrlOf(uri);
    }

    private static URI toHttpsUri(String text, String what) {
        URI uri;
        try {
            uri = new URI(text);
        } catch (URISyntaxException e) {
            throw new InvalidReferenceException(what + ": not a valid URI (" + e.getReason() + ")");
        }
        if (uri.getScheme() == null || !uri.getScheme().equalsIgnoreCase("https")) {
            throw new InvalidReferenceException(what + ": only https:// vault URLs are allowed");
        }
        if (uri.isOpaque()) {
            throw new InvalidReferenceException(what + ": expected https://<vault-host>");
        }
        if (uri.getRawUserInfo() != null) {
            throw new InvalidReferenceException(what + ": user info (user@) is not allowed in a vault URL");
        }
        if (uri.getRawQuery() != null) {
            throw new InvalidReferenceException(what + ": a query string ('?') is not allowed");
        }
        if (uri.getRawFragment() != null) {
            throw new InvalidReferenceException(what + ": a fragment ('#') is not allowed");
        }
        if (uri.getHost() == null || uri.getHost().isEmpty()) {
            throw new InvalidReferenceException(what + ": the vault host is missing or not a valid host name");
        }
        if (uri.getPort() == 0 || uri.getPort() > 65535) {
            throw new InvalidReferenceException(what + ": invalid port " + uri.getPort());
        }
        if (uri.getPort() == -1 && uri.getRawAuthority() != null && uri.getRawAuthority().endsWith(":")) {
            throw new InvalidReferenceException(what + ": empty port after ':'");
        }
        return uri;
    }

    private static String vaultUrlOf(URI uri) {
        String host = uri.getHost().toLowerCase(Locale.ROOT);
        int port = uri.getPort();
        return "https://" + host + (port == -1 || port == 443 ? "" : ":" + port);
    }

    private static String checkName(String value, String name) {
        if (name.isEmpty()) {
            throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value) + ": the secret name is empty");
        }
        if (name.length() > MAX_NAME_LENGTH) {
            throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value) + ": the secret name has "
                    + name.length() + " characters, Key Vault allows at most " + MAX_NAME_LENGTH);
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(isAsciiAlnum(c) || c == '-')) {
                throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value) + ": the secret name "
                        + quote(name) + " contains " + describe(c) + "; Key Vault names allow only 0-9, a-z, A-Z and '-'");
            }
        }
        return name;
    }

    private static String checkVersion(String value, String version) {
        if (version.length() > MAX_VERSION_LENGTH) {
            throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value) + ": the version has "
                    + version.length() + " characters, at most " + MAX_VERSION_LENGTH + " are accepted"
                    + " (Key Vault versions are 32 hex characters)");
        }
        for (int i = 0; i < version.length(); i++) {
            char c = version.charAt(i);
            if (!isAsciiAlnum(c)) {
                throw new InvalidReferenceException("Invalid Key Vault reference " + quote(value) + ": the version "
                        + quote(version) + " contains " + describe(c)
                        + "; versions are letters and digits (Key Vault issues 32 hex characters)");
            }
        }
        return version;
    }

    private static boolean isAsciiAlnum(char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static String describe(char c) {
        if (c < 0x20 || c == 0x7f || c > 0x7e) {
            return String.format("the character U+%04X", (int) c);
        }
        return "'" + c + "'";
    }

    /** Quotes a reference for a message: control characters made visible, long input cut. */
    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder sb = new StringBuilder("'");
        int max = 160;
        for (int i = 0; i < s.length() && i < max; i++) {
            char c = s.charAt(i);
            switch (c) {
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> sb.append(Character.isISOControl(c) ? String.format("\\u%04x", (int) c) : String.valueOf(c));
            }
        }
        if (s.length() > max) {
            sb.append("...");
        }
        return sb.append('\'').toString();
    }
}
