package io.kvconfig.runtime.refresh;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

import io.kvconfig.runtime.vault.FailureKind;

/**
 * The outcome of one refresh of {@code @kv:} references. Holds names only, never a value.
 *
 * @param changedProperties the properties whose secret got a new version (their new value is now served)
 * @param changedSecrets the secrets (by name) that got a new version
 * @param failures the references that could not be re-read; they keep their last good value
 * @param at when the refresh ended
 */
public record RefreshResult(List<String> changedProperties, List<String> changedSecrets, List<Failure> failures, Instant at) {

    /**
     * One reference that could not be re-read (it keeps its last good value).
     *
     * @param property the property holding the reference
     * @param secretName the secret it names
     * @param vaultUrl the vault asked
     * @param kind why
     */
    public record Failure(String property, String secretName, String vaultUrl, FailureKind kind) {
    }

    public RefreshResult {
        changedProperties = List.copyOf(changedProperties);
        changedSecrets = List.copyOf(changedSecrets);
        failures = List.copyOf(failures);
        Objects.requireNonNull(at, "at");
    }

    /** A refresh that had nothing to re-read. */
    public static RefreshResult empty() {
        return new RefreshResult(List.of(), List.of(), List.of(), Instant.now());
    }

    /** True when at least one secret got a new version. */
    public boolean changed() {
        return !changedProperties.isEmpty();
    }
}
