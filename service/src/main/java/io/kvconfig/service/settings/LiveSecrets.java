package io.kvconfig.service.settings;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.service.settings.Plan.Item;

/**
 * Whether a saved PUT can take effect without a restart (pure): when every item only wrote a new version of a secret
 * that the running config already references by the same key, unpinned, from the same vault, a refresh of those
 * secrets serves the new values. Anything else (a plain value, a removed key, a new reference, another secret or
 * vault, a pinned version, a reference not resolved at startup) needs a restart.
 */
final class LiveSecrets {

    private LiveSecrets() {
    }

    /**
     * The secrets to refresh (vault normalised, name as Key Vault compares it, no version), or empty when the save
     * needs a restart. {@code defaultVault}: the running default vault (null = none).
     */
    static Optional<List<SecretReference>> newVersionsOnly(List<Item> items, List<ReferenceStatus> running,
            String defaultVault) {
        if (items.isEmpty()) {
            return Optional.empty();
        }
        List<SecretReference> secrets = new ArrayList<>();
        for (Item item : items) {
            if (item.action() != Plan.Action.KEYVAULT || item.secretName() == null) {
                return Optional.empty();
            }
            Optional<String> vault = normalise(item.vaultUrl() != null ? item.vaultUrl() : defaultVault);
            Optional<SecretReference> written = parse(item.envValue());
            if (vault.isEmpty() || written.isEmpty() || written.get().version() != null) {
                return Optional.empty();
            }
            boolean referenced = running.stream().anyMatch(r -> r.property().equals(item.key())
                    && r.status() == ReferenceStatus.Status.RESOLVED
                    && item.secretName().equalsIgnoreCase(r.secretName())
                    && normalise(r.vaultUrl()).equals(vault)
                    && parse(r.reference()).filter(ref -> ref.version() == null).isPresent());
            if (!referenced) {
                return Optional.empty();
            }
            SecretReference s = new SecretReference(vault.get(), item.secretName().toLowerCase(Locale.ROOT), null, false);
            if (!secrets.contains(s)) {
                secrets.add(s);
            }
        }
        return Optional.of(List.copyOf(secrets));
    }

    private static Optional<String> normalise(String url) {
        if (url == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(SecretReferenceParser.normalizeVaultUrl(url));
        } catch (InvalidReferenceException e) {
            return Optional.empty();
        }
    }

    private static Optional<SecretReference> parse(String reference) {
        if (reference == null || !SecretReferenceParser.isReference(reference)) {
            return Optional.empty();
        }
        try {
            return Optional.of(SecretReferenceParser.parse(reference));
        } catch (InvalidReferenceException e) {
            return Optional.empty();
        }
    }
}
