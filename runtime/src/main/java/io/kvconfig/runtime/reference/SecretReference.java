package io.kvconfig.runtime.reference;

import java.util.Objects;

/**
 * A parsed {@code @kv:} reference. Holds no secret material, so {@code toString} is safe to log.
 *
 * @param vaultUrl normalised vault URL ({@code https://host[:port]}, no trailing slash), or {@code null} for the
 *        default (configured) vault
 * @param name secret name, 1-127 of {@code 0-9a-zA-Z-}
 * @param version pinned version, or {@code null} for the latest
 * @param optional {@code @kv?:} marker: a missing secret leaves the property unset instead of failing
 */
public record SecretReference(String vaultUrl, String name, String version, boolean optional) {

    public SecretReference {
        Objects.requireNonNull(name, "name");
    }

    /** A reference to the latest version of {@code name} in the default vault. */
    public static SecretReference of(String name) {
        return new SecretReference(null, name, null, false);
    }

    /** The vault this reference points at: its own, or {@code defaultVaultUrl} when it has none. */
    public String vaultUrlOr(String defaultVaultUrl) {
        return vaultUrl != null ? vaultUrl : defaultVaultUrl;
    }

    /** The canonical reference text, e.g. {@code @kv?:db-password/0123...}; parses back to an equal record. */
    public String toReferenceString() {
        StringBuilder sb = new StringBuilder(optional ? SecretReferenceParser.OPTIONAL_PREFIX : SecretReferenceParser.PREFIX);
        if (vaultUrl != null) {
            sb.append(vaultUrl).append("/secrets/");
        }
        sb.append(name);
        if (version != null) {
            sb.append('/').append(version);
        }
        return sb.toString();
    }
}
