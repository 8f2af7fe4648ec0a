package io.kvconfig.runtime.refresh;

import java.time.Instant;
import java.util.List;

import io.kvconfig.runtime.vault.FailureKind;

/**
 * A reference whose refreshes fail: it keeps serving its last good value. Holds no value.
 *
 * @param properties the properties holding the reference
 * @param secretName the secret
 * @param vaultUrl the vault
 * @param kind why the last refresh failed (a deleted secret is {@link FailureKind#NOT_FOUND}, a disabled one
 *        {@link FailureKind#DISABLED})
 * @param since the end of the first refresh that failed (the value is stale since then)
 */
public record StaleReference(List<String> properties, String secretName, String vaultUrl, FailureKind kind, Instant since) {

    public StaleReference {
        properties = List.copyOf(properties);
    }
}
