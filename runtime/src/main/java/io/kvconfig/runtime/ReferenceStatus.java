package io.kvconfig.runtime;

/**
 * What happened to one {@code @kv:} reference at startup. Holds no secret value.
 *
 * @param property the property name as seen in its config source (e.g. {@code GITHUB_TOKEN})
 * @param reference the reference text ({@code @kv:github-token}), safe to show
 * @param secretName the Key Vault secret name
 * @param vaultUrl the vault the secret was read from ({@code null} if none could be determined)
 * @param status the outcome
 * @param detail a short human explanation (never a value), may be empty
 */
public record ReferenceStatus(String property, String reference, String secretName, String vaultUrl, Status status,
        String detail) {

    public enum Status {
        /** Resolved; the property holds the secret's value. */
        RESOLVED,
        /** An optional reference ({@code @kv?:}) whose secret does not exist: the property is unset. */
        OPTIONAL_MISSING,
        /** Not resolved because {@code quarkus.kvconfig.resolve-only} does not list the property. */
        LEFT_ALONE
    }
}
