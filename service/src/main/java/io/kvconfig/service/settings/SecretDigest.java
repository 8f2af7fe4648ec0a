package io.kvconfig.service.settings;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;

/**
 * A shared secret that callers present (the admin token, the events webhook's secret), kept as its SHA-256 digest
 * only. Presented values are compared digest to digest with {@link MessageDigest#isEqual}, which takes the same time
 * wherever the first difference is; hashing first hides the secret's length too. When the setting is a {@code @kv:}
 * reference, {@link #newVersion} tells its owner when a refresh brought another value, once per value.
 */
public final class SecretDigest {

    private volatile byte[] digest;
    /** Digest of the live value last looked at, so each new version is taken over once. */
    private volatile byte[] liveSeen;

    /** Accepts {@code value} from now on; {@code null} refuses every caller. */
    public void set(String value) {
        digest = value == null ? null : sha256(value);
    }

    /** Constant-time check of a presented value; false when no value is set. */
    public boolean matches(String presented) {
        byte[] expected = digest;
        if (expected == null || presented == null) {
            return false;
        }
        return MessageDigest.isEqual(expected, sha256(presented));
    }

    /**
     * The reference's current value ({@code KeyVault.current}) when it is one this digest has not seen yet and not
     * the one in effect: the owner validates it and {@link #set}s it. Empty when there is nothing new.
     */
    public Optional<String> newVersion(Optional<String> live) {
        if (live.isEmpty() || live.get().isEmpty()) {
            return Optional.empty();
        }
        byte[] now = sha256(live.get());
        byte[] seen = liveSeen;
        if (seen != null && MessageDigest.isEqual(seen, now)) {
            return Optional.empty();
        }
        liveSeen = now;
        byte[] inEffect = digest;
        if (inEffect != null && MessageDigest.isEqual(inEffect, now)) {
            return Optional.empty(); // the value read at startup
        }
        return live;
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "SecretDigest[" + (digest == null ? "unset" : "set") + "]";
    }
}
