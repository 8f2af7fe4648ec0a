package io.kvconfig.service.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import io.kvconfig.runtime.dotenv.DotEnvDocument;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.service.api.ApiError;

/**
 * What one {@code PUT /api/settings} does, as {@link SettingsPlanner} decided it: each key's {@link Item}, the
 * conflicts that refuse the whole request, the default vault after the next start, {@code .env} as it will be, and
 * warnings. toString names keys and actions, never a value.
 */
public record Plan(List<Item> items, List<ApiError.Problem> conflicts, VaultChange vault, Map<String, String> newEnv,
        List<String> warnings) {

    /**
     * What a key becomes: removed, a plain value or a reference as sent in {@code .env}, a secret written to
     * {@code .env} as a value (no vault configured), or a secret in Key Vault with its reference in {@code .env}.
     */
    public enum Action {
        REMOVE, PLAIN, REFERENCE, SECRET_AS_VALUE, KEYVAULT
    }

    /**
     * One key's plan. {@code envValue} is what {@code .env} gets; {@code value} is the secret for Key Vault (toString
     * hides it); {@code vaultUrl} is the vault it is written to (null = the current default vault's client).
     */
    public record Item(String key, Action action, String envValue, String value, String vaultUrl, String secretName) {
        @Override
        public String toString() {
            return "Planned[" + key + ", " + action + ", " + secretName + "]";
        }
    }

    /**
     * What a {@code KEY_VAULT_URL} change means. {@code target}: the default vault after the next start (normalised;
     * null = none); {@code check}: the vault whose secrets must cover the default-vault references; {@code shadowedBy}:
     * the setting that wins over {@code KEY_VAULT_URL}, if any.
     */
    public record VaultChange(String target, String check, boolean switching, String shadowedBy) {
    }

    /** The {@code .env} changes: key to new text, null = remove. */
    public Map<String, String> envChanges() {
        Map<String, String> changes = new LinkedHashMap<>();
        for (Item p : items) {
            changes.put(p.key(), p.action() == Action.REMOVE ? null : p.envValue());
        }
        return changes;
    }

    public List<Item> keyVaultItems() {
        return items.stream().filter(p -> p.action() == Action.KEYVAULT).toList();
    }

    /**
     * The default-vault references of the new {@code .env} that must exist on {@link VaultChange#check()} before
     * anything is written: reference (name lower-cased, as Key Vault compares) to the keys holding it. A latest-version
     * reference to a secret this plan writes there is left out.
     */
    public Map<SecretReference, List<String>> referencesToCheck() {
        if (vault.check() == null) {
            return Map.of();
        }
        Set<String> written = new LinkedHashSet<>();
        for (Item p : keyVaultItems()) {
            if (vault.check().equals(p.vaultUrl())) {
                written.add(p.secretName().toLowerCase(Locale.ROOT));
            }
        }
        Map<SecretReference, List<String>> needed = SettingsPlanner.defaultVaultReferences(newEnv);
        needed.keySet().removeIf(r -> r.version() == null && written.contains(r.name()));
        return needed;
    }

    /**
     * The conflicts found under the {@code .env} lock, in {@code current} as it is then: a key planned as a value that
     * became a {@code @kv:} reference meanwhile (never put plaintext over it).
     */
    public List<ApiError.Problem> lateConflicts(DotEnvDocument current) {
        List<ApiError.Problem> late = new ArrayList<>();
        for (Item p : items) {
            if ((p.action() == Action.PLAIN || p.action() == Action.SECRET_AS_VALUE)
                    && current.get(p.key()).filter(SecretReferenceParser::isReference).isPresent()) {
                late.add(SettingsPlanner.referenceConflict(p.key()));
            }
        }
        return late;
    }

    @Override
    public String toString() {
        return "Plan" + items;
    }
}
