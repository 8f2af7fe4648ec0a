package io.kvconfig.service.settings;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.dotenv.DotEnvDocument;
import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.settings.Plan.Action;
import io.kvconfig.service.settings.Plan.Item;
import io.kvconfig.service.settings.Plan.VaultChange;

/**
 * Decides what each key of a validated {@code PUT /api/settings} becomes ({@link Plan}). Pure: the caller passes
 * {@code .env} as read, the config sources and the current default vault. A secret (a secret key, or a key holding a
 * reference now) goes to Key Vault under its current reference's name (the {@code .env} line's, else any source's),
 * else {@code kvconfig.service.secret-names}, else the key lower-cased with {@code _} as {@code -}; without any vault
 * it becomes a value. Conflicts refuse the whole request: a reference replaced by plaintext, {@code ADMIN_SECRET}
 * removed, two keys sharing one secret (case-insensitive, like Key Vault), a write to a vault that is not a Key Vault
 * host, {@code KEY_VAULT_URL} removed while references need it.
 */
public final class SettingsPlanner {

    /** The extension's own vault setting: when set, it wins over {@code KEY_VAULT_URL}. */
    static final String EXTENSION_URL = KvConfigMapping.URL;

    private final Set<String> secretKeys;
    private final Map<String, String> secretNames;
    private final boolean devOrTest;

    /**
     * @param secretNames {@code kvconfig.service.secret-names}: key to secret name
     * @param devOrTest dev or test launch mode: loopback vault hosts (the dev vault) are accepted
     * @throws IllegalStateException naming the {@code secret-names} entry that is not a Key Vault secret name
     */
    public SettingsPlanner(Set<String> secretKeys, Map<String, String> secretNames, boolean devOrTest) {
        for (Map.Entry<String, String> name : secretNames.entrySet()) {
            if (!validSecretName(name.getValue())) {
                throw new IllegalStateException("kvconfig.service.secret-names." + name.getKey()
                        + " is not a valid Key Vault secret name (1-127 of 0-9a-zA-Z-)");
            }
        }
        this.secretKeys = Set.copyOf(secretKeys);
        this.secretNames = Map.copyOf(secretNames);
        this.devOrTest = devOrTest;
    }

    /**
     * @param doc {@code .env} as read now
     * @param changes the validated body: key to value, null = remove, in body order
     * @param sources every config source (with {@code .env} as read now)
     * @param currentVault the default vault of this process (null = none)
     */
    public Plan plan(DotEnvDocument doc, Map<String, String> changes, SettingSources sources, String currentVault) {
        List<Item> items = new ArrayList<>();
        List<ApiError.Problem> conflicts = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> fromFile = doc.values();
        VaultChange vault = vaultChange(changes, sources, fromFile, currentVault);
        if (vault.shadowedBy() != null) {
            warnings.add("KEY_VAULT_URL was saved, but " + vault.shadowedBy() + " is set and wins over it: the default "
                    + "vault stays " + vault.target() + " until that setting is removed.");
        }
        for (Map.Entry<String, String> change : changes.entrySet()) {
            String key = change.getKey();
            String value = change.getValue();
            Optional<String> current = currentReference(key, fromFile, sources);
            SecretReference currentRef = current.map(SettingsPlanner::parseOrNull).orElse(null);
            if (value == null) {
                if (SettingsValidator.ADMIN_SECRET.equals(key)) {
                    conflicts.add(new ApiError.Problem(key, "removing ADMIN_SECRET would turn the admin API off at the "
                            + "next start, and the API could not turn it back on: send a new value (at least "
                            + SettingsValidator.MIN_ADMIN_SECRET_LENGTH + " characters) or a @kv: reference instead"));
                }
                items.add(new Item(key, Action.REMOVE, null, null, null, null));
            } else if (SecretReferenceParser.isReference(value)) {
                items.add(new Item(key, Action.REFERENCE, value.strip(), null, null, null));
            } else if (secretKeys.contains(key) || current.isPresent()) {
                String otherVault = currentRef != null ? currentRef.vaultUrl() : null;
                Optional<String> foreign = otherVault == null ? Optional.empty() : VaultHosts.refusal(otherVault, devOrTest);
                if (foreign.isPresent()) {
                    conflicts.add(new ApiError.Problem(key, "the key's current reference points at a vault that "
                            + foreign.get() + "; refusing to write the secret there (send a new @kv: reference)"));
                } else if (vault.target() != null || otherVault != null) {
                    // the current reference's name, from whichever source holds it
                    String name = currentRef != null ? currentRef.name() : secretNames.getOrDefault(key, defaultSecretName(key));
                    boolean optional = currentRef != null && currentRef.optional();
                    // a new version was just written: the reference follows the latest, not a pinned version
                    String reference = new SecretReference(otherVault, name, null, optional).toReferenceString();
                    // a default-vault secret goes to the vault the reference will be read from after the restart
                    String writeTo = otherVault != null ? otherVault : vault.switching() ? vault.target() : null;
                    items.add(new Item(key, Action.KEYVAULT, reference, value, writeTo, name));
                } else if (current.isPresent()) {
                    conflicts.add(referenceConflict(key));
                } else {
                    items.add(new Item(key, Action.SECRET_AS_VALUE, value, null, null, null));
                }
            } else {
                items.add(new Item(key, Action.PLAIN, value, null, null, null));
            }
        }
        Map<String, String> newEnv = DotEnvFormat.apply(doc, new Plan(items, List.of(), vault, Map.of(), List.of())
                .envChanges()).values();
        conflicts.addAll(collisions(items, sources, newEnv, vault.target()));
        if (changes.containsKey(SettingsValidator.KEY_VAULT_URL) && vault.target() == null) {
            List<String> left = defaultVaultReferences(newEnv).values().stream().flatMap(List::stream).distinct().toList();
            if (!left.isEmpty()) {
                conflicts.add(new ApiError.Problem(SettingsValidator.KEY_VAULT_URL, "removing KEY_VAULT_URL would leave "
                        + "no default vault for the references of " + left + ", and the next start would fail: remove "
                        + "or replace those references first"));
            }
        }
        return new Plan(items, conflicts, vault, newEnv, warnings);
    }

    /**
     * The key's current {@code @kv:} reference text: the {@code .env} line's if it holds one (that line is what gets
     * rewritten), else the value that wins across all config sources (application config, environment, ...) if it is
     * a reference. A reference shadowed by a higher-ranked plain value is not current.
     */
    public static Optional<String> currentReference(String key, Map<String, String> fromFile, SettingSources sources) {
        String inFile = fromFile.get(key);
        if (inFile != null && SecretReferenceParser.isReference(inFile)) {
            return Optional.of(inFile);
        }
        return sources.lookup(key, fromFile).map(SettingSources.Raw::value).filter(SecretReferenceParser::isReference);
    }

    /** Where the default vault will be after this PUT, and which vault must be checked. */
    private static VaultChange vaultChange(Map<String, String> changes, SettingSources sources,
            Map<String, String> fromFile, String current) {
        if (!changes.containsKey(SettingsValidator.KEY_VAULT_URL)) {
            return new VaultChange(current, null, false, null);
        }
        String value = changes.get(SettingsValidator.KEY_VAULT_URL);
        String next = value == null ? null : SecretReferenceParser.normalizeVaultUrl(value);
        String shadowedBy = sources.lookup(EXTENSION_URL, fromFile)
                .or(() -> sources.lookup(KvConfigMapping.envForm(EXTENSION_URL), fromFile))
                .filter(raw -> raw.value() != null && !raw.value().isBlank())
                .map(raw -> EXTENSION_URL + " (" + raw.source() + ")").orElse(null);
        if (shadowedBy != null) {
            // the default vault does not change; the new URL is still checked, for when that setting goes away
            return new VaultChange(current, next != null && !next.equals(current) ? next : null, false, shadowedBy);
        }
        if (next == null || next.equals(current)) {
            return new VaultChange(next, null, false, null);
        }
        return new VaultChange(next, next, true, null);
    }

    /**
     * Two keys, one secret: a Key Vault write of this PUT whose secret (vault + name, case-insensitively, as Key Vault
     * compares names) another key writes too, or another key references, in {@code .env} as it will be or in any
     * other config source. The later write would silently replace the other key's value.
     */
    private static List<ApiError.Problem> collisions(List<Item> items, SettingSources sources, Map<String, String> newEnv,
            String defaultVault) {
        List<ApiError.Problem> problems = new ArrayList<>();
        Map<String, Item> writers = new LinkedHashMap<>();
        for (Item p : items) {
            if (p.action() != Action.KEYVAULT) {
                continue;
            }
            Item other = writers.putIfAbsent(secretId(p.envValue(), defaultVault), p);
            if (other != null) {
                problems.add(new ApiError.Problem(p.key(), "this key and " + other.key() + " would both store secret '"
                        + p.secretName() + "': one secret per key, or the last write wins for both; give one of them "
                        + "its own @kv: reference"));
            }
        }
        if (writers.isEmpty()) {
            return problems;
        }
        Set<String> reported = new LinkedHashSet<>();
        for (Map.Entry<String, String> ref : sources.allReferences(newEnv)) {
            String owner = ref.getKey();
            String target = secretId(ref.getValue(), defaultVault);
            Item writer = target == null ? null : writers.get(target);
            if (writer == null || writer.key().equals(owner) || !reported.add(writer.key() + "/" + owner)) {
                continue;
            }
            problems.add(new ApiError.Problem(writer.key(), "this key would store secret '" + writer.secretName()
                    + "', which " + owner + " also references (" + ref.getValue() + "): one secret per key, or "
                    + owner + " would get this value too; give one of them its own @kv: reference"));
        }
        return problems;
    }

    /** "vault|name" in lower case, the default vault written as such; null when not a valid reference. */
    private static String secretId(String reference, String defaultVault) {
        SecretReference r = parseOrNull(reference);
        if (r == null) {
            return null;
        }
        String vault = r.vaultUrl() != null ? r.vaultUrl() : defaultVault != null ? defaultVault : "(default)";
        return (vault + "|" + r.name()).toLowerCase(Locale.ROOT);
    }

    /** Default-vault, non-optional references of a {@code .env}: reference (name lower-cased) -> the keys holding it. */
    static Map<SecretReference, List<String>> defaultVaultReferences(Map<String, String> env) {
        Map<SecretReference, List<String>> out = new LinkedHashMap<>();
        env.forEach((key, value) -> {
            SecretReference r = SecretReferenceParser.isReference(value) ? parseOrNull(value) : null;
            if (r != null && r.vaultUrl() == null && !r.optional()) {
                // Key Vault names are case-insensitive: one check per name and version
                SecretReference id = new SecretReference(null, r.name().toLowerCase(Locale.ROOT), r.version(), false);
                out.computeIfAbsent(id, k -> new ArrayList<>()).add(key);
            }
        });
        return out;
    }

    static ApiError.Problem referenceConflict(String key) {
        return new ApiError.Problem(key, "the key holds a Key Vault reference and no Key Vault is configured: "
                + "refusing to replace the reference with a plaintext value (configure KEY_VAULT_URL, or send a new "
                + "@kv: reference)");
    }

    /** A secret setting's Key Vault name when nothing names it: the key lower-cased, {@code _} as {@code -}. */
    public static String defaultSecretName(String key) {
        return key.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** Key Vault's rule for secret names: 1-127 of {@code 0-9a-zA-Z-}. */
    public static boolean validSecretName(String name) {
        return name != null && name.matches("[0-9a-zA-Z-]{1,127}");
    }

    private static SecretReference parseOrNull(String value) {
        try {
            return SecretReferenceParser.parse(value);
        } catch (InvalidReferenceException e) {
            return null;
        }
    }
}
