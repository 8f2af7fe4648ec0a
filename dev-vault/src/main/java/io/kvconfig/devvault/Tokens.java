package io.kvconfig.devvault;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Issues JWT-shaped access tokens (HS256 with a key only the dev vault knows) and accepts only its own unexpired
 * ones for the right audience. The key lives in the state file when there is one, so tokens survive a restart.
 */
final class Tokens {
    static final String VAULT_RESOURCE = "https://vault.azure.net";
    static final String ARM_RESOURCE = "https://management.azure.com/";

    /** Result of checking a bearer token. */
    enum Check {
        VALID, MISSING, MALFORMED, BAD_SIGNATURE, EXPIRED, WRONG_AUDIENCE
    }

    /** An issued token. */
    record Issued(String accessToken, long expiresOn, long notBefore, String resource) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    /**
     * Keys of every dev vault started in this JVM, by key id. A token from any of them is accepted by all of them,
     * as an Entra ID token for https://vault.azure.net is valid for every vault: MSAL caches managed identity tokens
     * JVM-wide (static cache), so a client may present a token fetched from an earlier dev vault instance.
     */
    private static final Map<String, byte[]> KEY_RING = new ConcurrentHashMap<>();

    private final byte[] key;
    private final String keyId;
    private final String tenantId;
    private final String objectId;
    private final String clientId;
    private final Duration lifetime;

    Tokens(byte[] key, String tenantId, String objectId, String clientId, Duration lifetime) {
        this.key = key.clone();
        this.keyId = keyId(this.key);
        KEY_RING.put(keyId, this.key);
        this.tenantId = tenantId;
        this.objectId = objectId;
        this.clientId = clientId;
        this.lifetime = lifetime;
    }

    /** The signing key, for the state file. */
    byte[] key() {
        return key.clone();
    }

    String clientId() {
        return clientId;
    }

    String objectId() {
        return objectId;
    }

    String issuer() {
        return "https://sts.windows.net/" + tenantId + "/";
    }

    Issued issue(String resource) {
        return issue(resource, lifetime);
    }

    Issued issue(String resource, Duration validFor) {
        return issue(resource, validFor, clientId);
    }

    /** A token for another application of the tenant (a workload identity's client id as {@code appid}). */
    Issued issue(String resource, String appId) {
        return issue(resource, lifetime, appId);
    }

    private Issued issue(String resource, Duration validFor, String appId) {
        long now = Instant.now().getEpochSecond();
        long exp = now + validFor.toSeconds();
        ObjectNode header = MAPPER.createObjectNode().put("typ", "JWT").put("alg", "HS256").put("kid", keyId);
        ObjectNode claims = MAPPER.createObjectNode()
                .put("aud", resource)
                .put("iss", issuer())
                .put("iat", now - 5)
                .put("nbf", now - 5)
                .put("exp", exp)
                .put("appid", appId)
                .put("oid", objectId)
                .put("sub", objectId)
                .put("tid", tenantId)
                .put("idtyp", "app")
                .put("ver", "1.0");
        String signingInput = b64(header.toString()) + "." + b64(claims.toString());
        String token = signingInput + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString(hmac(key, signingInput));
        return new Issued(token, exp, now - 5, resource);
    }

    /** Checks an Authorization header value against the expected audience (resource). */
    Check check(String authorization, String expectedResource) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return Check.MISSING;
        }
        String token = authorization.substring(7).trim();
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            return Check.MALFORMED;
        }
        byte[] actual;
        JsonNode header;
        JsonNode claims;
        try {
            actual = Base64.getUrlDecoder().decode(parts[2]);
            header = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
            claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
        } catch (Exception e) {
            return Check.MALFORMED;
        }
        if (header == null || claims == null || !claims.isObject()) {
            return Check.MALFORMED;
        }
        byte[] signingKey = KEY_RING.get(header.path("kid").asText(""));
        if (signingKey == null || !MessageDigest.isEqual(hmac(signingKey, parts[0] + "." + parts[1]), actual)) {
            return Check.BAD_SIGNATURE;
        }
        if (claims.path("exp").asLong(0) <= Instant.now().getEpochSecond()) {
            return Check.EXPIRED;
        }
        if (!sameResource(claims.path("aud").asText(""), expectedResource)) {
            return Check.WRONG_AUDIENCE;
        }
        return Check.VALID;
    }

    /** Resource ids compare without a trailing slash or /.default, case-insensitively. */
    static boolean sameResource(String a, String b) {
        return normalize(a).equals(normalize(b));
    }

    static String normalize(String resource) {
        String r = resource.trim().toLowerCase(Locale.ROOT);
        if (r.endsWith("/.default")) {
            r = r.substring(0, r.length() - "/.default".length());
        }
        while (r.endsWith("/")) {
            r = r.substring(0, r.length() - 1);
        }
        if (r.equals("https://management.core.windows.net")) {
            r = "https://management.azure.com";
        }
        return r;
    }

    private static String keyId(byte[] key) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(key);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(java.util.Arrays.copyOf(d, 12));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String input) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(input.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String b64(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
