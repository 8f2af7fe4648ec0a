package io.kvconfig.runtime.resolve;

import io.kvconfig.runtime.vault.FailureKind;

/**
 * One reference that did not resolve (or, in {@link Resolution#skipped()}, an optional one left unset).
 * Never holds a secret value.
 *
 * @param property the property (or environment variable) holding the reference
 * @param secretName the secret it names (null when the reference did not parse)
 * @param vaultUrl the vault asked (null when none is configured or the reference did not parse)
 * @param kind the reason
 * @param message what happened and what to do about it
 */
public record ResolutionFailure(String property, String secretName, String vaultUrl, FailureKind kind, String message) {

    /** One line: property, secret, vault, reason. */
    public String describe() {
        return where() + ": " + kind.words() + " - " + message;
    }

    /** Property, secret and vault, without the reason. */
    public String where() {
        StringBuilder sb = new StringBuilder("property '").append(property).append('\'');
        if (secretName != null) {
            sb.append(", secret '").append(secretName).append('\'');
        }
        if (vaultUrl != null) {
            sb.append(" in ").append(vaultUrl);
        }
        return sb.toString();
    }
}
