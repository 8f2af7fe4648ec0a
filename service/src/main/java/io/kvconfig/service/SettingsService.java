package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.azure.core.exception.ResourceNotFoundException;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.dotenv.DotEnvDocument;
import io.kvconfig.runtime.dotenv.DotEnvFile;
import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.kvconfig.runtime.dotenv.DotEnvParseException;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.kvconfig.service.firewall.FirewallService;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;

/**
 * Reads the settings and runs the write_env flow:
 * <ol>
 * <li>validate the whole body first (400 lists every problem, 413 over the size limit; nothing written): key syntax,
 * the write policy ({@link WritePolicy}: protected keys), the admin token's rules, {@code KEY_VAULT_URL} and every
 * reference's vault host (an Azure Key Vault host; loopback only in dev/test);</li>
 * <li>plan each key against its current value: remove, plain value, a given {@code @kv:} reference, a secret
 * for Key Vault (name: the existing reference's, from the {@code .env} line or else any config source, else
 * {@code kvconfig.service.secret-names}, else the key lower-cased with {@code _} as {@code -}), or, without any vault,
 * a secret written as a value (0600 file, {@code "stored":"env-plaintext"} and a warning). 409 for what the plan
 * refuses: an existing {@code @kv:} reference replaced by plaintext, {@code ADMIN_SECRET} removed (the API would be
 * off), two keys that would share one secret (case-insensitive, like Key Vault), a write to a reference whose vault
 * is not a Key Vault host;</li>
 * <li>a new {@code KEY_VAULT_URL}: every default-vault reference of the resulting {@code .env} must exist on the new
 * vault (read through the extension's clients for it), else 409 naming each missing secret;</li>
 * <li>prove that {@code .env} can be written (its lock, a temp file beside it), else 500 and no Key Vault write;</li>
 * <li>store every Key Vault secret through the extension's {@link SecretAsyncClient}, at most
 * {@code kvconfig.service.key-vault-concurrency} at once;</li>
 * <li>only if all were stored: ONE atomic, locked write of {@code .env}; else 502/503 naming the keys stored and not
 * stored, and {@code .env} untouched. If {@code .env} still fails after the writes: 500 naming the keys already
 * stored in Key Vault and the reason (also logged: path and error, never a value).</li>
 * </ol>
 * Reactive: Key Vault calls are async, file I/O runs on the worker pool; nothing blocks an event-loop thread.
 */
@Startup
@ApplicationScoped
public class SettingsService {

    private static final Logger LOG = Logger.getLogger(SettingsService.class);
    /** The extension's own vault setting: when set, it wins over {@code KEY_VAULT_URL}. */
    static final String EXTENSION_URL = "quarkus.kvconfig.url";

    @Inject
    ServiceConfig config;

    @Inject
    KeyVault keyVault;

    @Inject
    FirewallService firewall;

    @Inject
    ObjectMapper mapper;

    private DotEnvFile file;
    private Set<String> secretKeys;
    private SettingsValidator validator;
    private boolean devOrTest;

    enum Action {
        REMOVE, PLAIN, REFERENCE, SECRET_AS_VALUE, KEYVAULT
    }

    /**
     * One key's plan. {@code value} is the secret for Key Vault, or what goes to .env; toString hides it.
     * {@code vaultUrl} is the vault the secret is written to (null = the current default vault's client).
     */
    record Planned(String key, Action action, String envValue, String value, String vaultUrl, String secretName) {
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
    record VaultChange(String target, String check, boolean switching, String shadowedBy) {
        static VaultChange none(String current) {
            return new VaultChange(current, null, false, null);
        }
    }

    record Plan(List<Planned> items, List<ApiError.Problem> conflicts, VaultChange vault, Map<String, String> newEnv,
            List<String> warnings) {
        Map<String, String> envChanges() {
            Map<String, String> changes = new LinkedHashMap<>();
            for (Planned p : items) {
                changes.put(p.key(), p.action() == Action.REMOVE ? null : p.envValue());
            }
            return changes;
        }

        List<Planned> keyVaultItems() {
            return items.stream().filter(p -> p.action() == Action.KEYVAULT).toList();
        }

        @Override
        public String toString() {
            return "Plan" + items;
        }
    }

    record Outcome(Planned item, KeyVaultErrors.Described failure) {
    }

    /** Aborts the locked .env update: a key became a reference after planning and would get plaintext. */
    static final class ReferenceConflict extends RuntimeException {
        final List<ApiError.Problem> problems;

        ReferenceConflict(List<ApiError.Problem> problems) {
            super("reference conflict", null, false, false);
            this.problems = problems;
        }
    }

    @PostConstruct
    void init() {
        file = new DotEnvFile(Path.of(config.envFile()));
        secretKeys = new LinkedHashSet<>(config.secretKeys());
        devOrTest = LaunchMode.current().isDevOrTest();
        WritePolicy policy = new WritePolicy(config.protectedKeys(), config.writableKeys());
        validator = new SettingsValidator(mapper, secretKeys, config.maxValueBytes(), policy, devOrTest);
        for (Map.Entry<String, String> name : config.secretNames().entrySet()) {
            if (!validSecretName(name.getValue())) {
                throw new IllegalStateException("kvconfig.service.secret-names." + name.getKey()
                        + " is not a valid Key Vault secret name (1-127 of 0-9a-zA-Z-)");
            }
        }
        if (config.keyVaultConcurrency() < 1) {
            throw new IllegalStateException("kvconfig.service.key-vault-concurrency must be at least 1");
        }
        for (String key : secretKeys) {
            policy.refusal(key).ifPresent(why -> LOG.warnf("Secret key %s cannot be saved through the API: %s", key, why));
        }
        LOG.infof("Settings file: %s; secret keys: %s; Key Vault: %s", file.path(), secretKeys,
                keyVault.configured() ? keyVault.vaultUrl().orElse("") : "not configured");
    }

    public Path envFile() {
        return file.path();
    }

    public Set<String> secretKeys() {
        return secretKeys;
    }

    // ---- GET /api/settings -------------------------------------------------------------------------

    /**
     * Every setting of {@code .env} and every known one set in any source. A setting is secret when it is a secret
     * key or when any source holds a {@code @kv:} reference for it (in the container the resolved value wins from the
     * environment): its value is never returned, its reference always is.
     */
    public Uni<Dtos.Settings> list() {
        return blocking(() -> {
            Map<String, String> fromFile = file.read().values();
            Set<String> keys = new LinkedHashSet<>(fromFile.keySet());
            keys.addAll(secretKeys);
            keys.addAll(config.knownKeys());
            SettingSources sources = SettingSources.current(file.path());
            List<Dtos.Setting> settings = new ArrayList<>();
            for (String key : keys) {
                Optional<SettingSources.Raw> found = sources.lookup(key, fromFile);
                if (found.isEmpty()) {
                    continue;
                }
                Optional<SettingSources.Raw> reference = sources.reference(key, fromFile);
                boolean secret = secretKeys.contains(key) || reference.isPresent();
                settings.add(new Dtos.Setting(key, secret, reference.map(r -> r.value().strip()).orElse(null),
                        secret ? null : found.get().value(), found.get().source()));
            }
            return new Dtos.Settings(file.path().toString(), settings);
        });
    }

    // ---- PUT /api/settings --------------------------------------------------------------------------

    public Uni<Response> write(String body) {
        if (body != null && body.getBytes(StandardCharsets.UTF_8).length > config.maxBodyBytes()) {
            return Uni.createFrom().item(ApiError.of("too_large", "The body is larger than "
                    + config.maxBodyBytes() + " bytes; nothing was written.").toResponse(Response.Status.REQUEST_ENTITY_TOO_LARGE));
        }
        SettingsValidator.Result validated = validator.validate(body);
        if (!validated.valid()) {
            return Uni.createFrom().item(new ApiError("invalid", "The request was rejected; nothing was written. Problems: "
                    + validated.problems().size() + ".", validated.problems()).toResponse(Response.Status.BAD_REQUEST));
        }
        return blocking(file::read)
                .map(doc -> plan(doc, validated.changes()))
                .chain(plan -> {
                    if (!plan.conflicts().isEmpty()) {
                        return Uni.createFrom().item(conflict(plan.conflicts()));
                    }
                    return checkNewVault(plan)
                            .chain(refused -> refused != null ? Uni.createFrom().item(refused) : preflight(plan))
                            .chain(refused -> refused != null ? Uni.createFrom().item(refused) : storeAndWrite(plan));
                })
                // only reading .env fails this way (the later steps answer their own failures): nothing was written
                .onFailure(UncheckedIOException.class).recoverWithItem(e -> {
                    String reason = ioReason(e);
                    LOG.errorf("Settings not saved: %s cannot be read (%s)", file.path(), reason);
                    return ApiError.of("env_not_readable", file.path() + " cannot be read: " + reason
                            + ". Nothing was written.").toResponse(Response.Status.INTERNAL_SERVER_ERROR);
                });
    }

    private Uni<Response> storeAndWrite(Plan plan) {
        return storeSecrets(plan.keyVaultItems()).chain(outcomes -> {
            List<Outcome> failed = outcomes.stream().filter(o -> o.failure() != null).toList();
            if (!failed.isEmpty()) {
                return Uni.createFrom().item(keyVaultFailure(outcomes));
            }
            List<Planned> stored = outcomes.stream().map(Outcome::item).toList();
            // whatever goes wrong from here, the answer names what Key Vault already holds
            return writeEnv(plan, stored).onFailure().recoverWithItem(e -> envWriteFailure(e, stored));
        });
    }

    Plan plan(DotEnvDocument doc, Map<String, String> changes) {
        List<Planned> items = new ArrayList<>();
        List<ApiError.Problem> conflicts = new ArrayList<>();
        List<String> warnings = new ArrayList<>();
        Map<String, String> fromFile = doc.values();
        SettingSources sources = SettingSources.current(file.path());
        VaultChange vault = vaultChange(changes, sources, fromFile);
        if (vault.shadowedBy() != null) {
            warnings.add("KEY_VAULT_URL was saved, but " + vault.shadowedBy() + " is set and wins over it: the default "
                    + "vault stays " + vault.target() + " until that setting is removed.");
        }
        for (Map.Entry<String, String> change : changes.entrySet()) {
            String key = change.getKey();
            String value = change.getValue();
            Optional<String> current = currentReference(key, fromFile, sources);
            SecretReference currentRef = current.map(SettingsService::parseOrNull).orElse(null);
            boolean currentIsReference = current.isPresent();
            if (value == null) {
                if (AdminSecret.KEY.equals(key)) {
                    conflicts.add(new ApiError.Problem(key, "removing ADMIN_SECRET would turn the admin API off at the "
                            + "next start, and the API could not turn it back on: send a new value (at least "
                            + SettingsValidator.MIN_ADMIN_SECRET_LENGTH + " characters) or a @kv: reference instead"));
                }
                items.add(new Planned(key, Action.REMOVE, null, null, null, null));
            } else if (SecretReferenceParser.isReference(value)) {
                items.add(new Planned(key, Action.REFERENCE, value.strip(), null, null, null));
            } else if (secretKeys.contains(key) || currentIsReference) {
                String otherVault = currentRef != null ? currentRef.vaultUrl() : null;
                Optional<String> foreign = otherVault == null ? Optional.empty() : VaultHosts.refusal(otherVault, devOrTest);
                if (foreign.isPresent()) {
                    conflicts.add(new ApiError.Problem(key, "the key's current reference points at a vault that "
                            + foreign.get() + "; refusing to write the secret there (send a new @kv: reference)"));
                } else if (vault.target() != null || otherVault != null) {
                    // the current reference's name, from whichever source holds it
                    String name = currentRef != null ? currentRef.name()
                            : config.secretNames().getOrDefault(key, defaultSecretName(key));
                    boolean optional = currentRef != null && currentRef.optional();
                    // a new version was just written: the reference follows the latest, not a pinned version
                    String reference = new SecretReference(otherVault, name, null, optional).toReferenceString();
                    // a default-vault secret goes to the vault the reference will be read from after the restart
                    String writeTo = otherVault != null ? otherVault : vault.switching() ? vault.target() : null;
                    items.add(new Planned(key, Action.KEYVAULT, reference, value, writeTo, name));
                } else if (currentIsReference) {
                    conflicts.add(referenceConflict(key));
                } else {
                    items.add(new Planned(key, Action.SECRET_AS_VALUE, value, null, null, null));
                }
            } else {
                items.add(new Planned(key, Action.PLAIN, value, null, null, null));
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
    static Optional<String> currentReference(String key, Map<String, String> fromFile, SettingSources sources) {
        String inFile = fromFile.get(key);
        if (inFile != null && SecretReferenceParser.isReference(inFile)) {
            return Optional.of(inFile);
        }
        return sources.lookup(key, fromFile).map(SettingSources.Raw::value).filter(SecretReferenceParser::isReference);
    }

    /** Where the default vault will be after this PUT, and which vault must be checked. */
    private VaultChange vaultChange(Map<String, String> changes, SettingSources sources, Map<String, String> fromFile) {
        String current = keyVault.vaultUrl().orElse(null);
        if (!changes.containsKey(SettingsValidator.KEY_VAULT_URL)) {
            return VaultChange.none(current);
        }
        String value = changes.get(SettingsValidator.KEY_VAULT_URL);
        String next = value == null ? null : SecretReferenceParser.normalizeVaultUrl(value);
        String shadowedBy = sources.lookup(EXTENSION_URL, fromFile)
                .or(() -> sources.lookup(io.kvconfig.runtime.config.KvConfigMapping.envForm(EXTENSION_URL), fromFile))
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
    private List<ApiError.Problem> collisions(List<Planned> items, SettingSources sources, Map<String, String> newEnv,
            String defaultVault) {
        List<ApiError.Problem> problems = new ArrayList<>();
        Map<String, Planned> writers = new LinkedHashMap<>();
        for (Planned p : items) {
            if (p.action() != Action.KEYVAULT) {
                continue;
            }
            Planned other = writers.putIfAbsent(secretId(p.envValue(), defaultVault), p);
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
            Planned writer = target == null ? null : writers.get(target);
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

    /** Default-vault, non-optional references of a {@code .env}: reference -> the keys holding it. */
    private static Map<SecretReference, List<String>> defaultVaultReferences(Map<String, String> env) {
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

    /**
     * {@code .env} will point its default-vault references at a new vault: each must exist there before anything is
     * written. Null when fine, else the answer (409 naming each missing secret; 502/503 when the vault cannot say).
     */
    private Uni<Response> checkNewVault(Plan plan) {
        String url = plan.vault().check();
        if (url == null) {
            return Uni.createFrom().nullItem();
        }
        Set<String> written = new LinkedHashSet<>();
        for (Planned p : plan.keyVaultItems()) {
            if (url.equals(p.vaultUrl())) {
                written.add(p.secretName().toLowerCase(Locale.ROOT));
            }
        }
        List<Map.Entry<SecretReference, List<String>>> needed = defaultVaultReferences(plan.newEnv()).entrySet().stream()
                .filter(e -> !(e.getKey().version() == null && written.contains(e.getKey().name())))
                .toList();
        if (needed.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        SecretAsyncClient client = keyVault.clients().forVault(url);
        String credential = credentialDescription();
        return Multi.createFrom().iterable(needed)
                .onItem().transformToUni(e -> exists(client, url, e.getKey())
                        .map(found -> Map.entry(e, found)))
                .merge(config.keyVaultConcurrency())
                .collect().asList()
                .map(done -> {
                    // in .env order (merge emits in completion order)
                    List<Map.Entry<Map.Entry<SecretReference, List<String>>, Object>> results = new ArrayList<>(done);
                    results.sort(java.util.Comparator.comparingInt(r -> needed.indexOf(r.getKey())));
                    List<ApiError.Problem> missing = new ArrayList<>();
                    List<String> unknown = new ArrayList<>();
                    KeyVaultErrors.Described why = null;
                    for (var r : results) {
                        SecretReference ref = r.getKey().getKey();
                        String what = "secret '" + ref.name() + "'" + (ref.version() != null ? " version " + ref.version() : "");
                        if (r.getValue() instanceof Boolean found) {
                            if (!found) {
                                missing.add(new ApiError.Problem(SettingsValidator.KEY_VAULT_URL, what + " (referenced by "
                                        + r.getKey().getValue() + ") is not in the new vault"));
                            }
                        } else {
                            why = KeyVaultErrors.describe((Throwable) r.getValue(), credential);
                            unknown.add(ref.name());
                        }
                    }
                    if (!missing.isEmpty()) {
                        LOG.warnf("Settings not saved: the new KEY_VAULT_URL %s lacks %d referenced secret(s)", url,
                                missing.size());
                        return new ApiError("conflict", "The new KEY_VAULT_URL does not have every secret that .env "
                                + "references from the default vault, so the next start would fail; nothing was written. "
                                + "Copy the secrets to the new vault first.", missing).toResponse(Response.Status.CONFLICT);
                    }
                    if (why != null) {
                        LOG.warnf("Settings not saved: could not check the new KEY_VAULT_URL %s: %s", url, why.reason());
                        return ApiError.of("keyvault_error", "Could not check that the new KEY_VAULT_URL has the secrets "
                                + unknown + " that .env references: " + why.reason() + "; nothing was written.")
                                .toResponse(why.kind() == KeyVaultErrors.Kind.UNAVAILABLE ? Response.Status.SERVICE_UNAVAILABLE
                                        : Response.Status.BAD_GATEWAY);
                    }
                    return null;
                });
    }

    /** TRUE / FALSE whether the secret (version) exists, or the failure when the vault could not say. */
    private Uni<Object> exists(SecretAsyncClient client, String vaultUrl, SecretReference ref) {
        Uni<Object> call = KeyVaultRetry.retried(() -> Uni.createFrom()
                .completionStage(() -> client.getSecret(ref.name(), ref.version()).toFuture())
                // the value is read (that is what the next start will do) and dropped at once
                .map(secret -> (Object) Boolean.TRUE), config.keyVaultRetries(), config.keyVaultTimeout());
        Uni<Object> timed = call.ifNoItem().after(config.keyVaultTimeout()).fail();
        return firewall.withAllowlisting(vaultUrl, () -> timed)
                .onFailure().recoverWithItem(e -> e instanceof ResourceNotFoundException
                        || Integer.valueOf(404).equals(KeyVaultErrors.status(e)) ? Boolean.FALSE : e);
    }

    /**
     * Takes the {@code .env} lock and creates (then deletes) a temp file where the write will put one, so that an
     * unwritable {@code .env} is found before Key Vault holds new versions. Null when fine, else the 500 answer.
     */
    private Uni<Response> preflight(Plan plan) {
        if (plan.keyVaultItems().isEmpty()) {
            return Uni.createFrom().nullItem(); // no Key Vault write: the .env write itself fails cleanly
        }
        return blocking(() -> {
            try {
                file.update(current -> {
                    try {
                        probeWritable(file.path());
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return current; // the same document: nothing is written
                });
                return null;
            } catch (IOException | UncheckedIOException e) {
                String reason = ioReason(e);
                LOG.errorf("Settings not saved: %s cannot be written (%s); Key Vault was not called", file.path(), reason);
                return ApiError.of("env_not_writable", file.path() + " cannot be written: " + reason
                        + ". Nothing was written (no Key Vault write either). Fix the file's permissions or its "
                        + "directory and send the request again.").toResponse(Response.Status.INTERNAL_SERVER_ERROR);
            }
        });
    }

    private static void probeWritable(Path envPath) throws IOException {
        // where DotEnvFile writes: the end of a symlink chain (which need not exist yet)
        Path target = envPath;
        for (int hops = 0; Files.isSymbolicLink(target) && hops < 40; hops++) {
            target = target.resolveSibling(Files.readSymbolicLink(target));
        }
        // DotEnvFile's temp-file name: one left by a crash here is removed by the next write
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
        FileAttribute<?>[] ownerOnly = FileSystems.getDefault().supportedFileAttributeViews().contains("posix")
                ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")) }
                : new FileAttribute<?>[0];
        Files.newByteChannel(tmp, EnumSet.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), ownerOnly).close();
        Files.delete(tmp);
    }

    /** An I/O failure in words: the path and the system's reason ("Permission denied"), never file content. */
    static String ioReason(Throwable e) {
        Throwable t = e instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : e;
        if (t instanceof FileSystemException f) {
            String reason = f.getReason();
            if (reason == null) {
                // the JDK leaves the reason out for these: the system's words for them
                reason = f instanceof AccessDeniedException ? "Permission denied"
                        : f instanceof NoSuchFileException ? "No such file or directory"
                        : f instanceof NotDirectoryException ? "Not a directory"
                        : f instanceof FileAlreadyExistsException ? "File exists"
                        : f.getClass().getSimpleName();
            }
            return (f.getFile() != null ? f.getFile() + ": " : "") + reason
                    + (f.getOtherFile() != null ? " (" + f.getOtherFile() + ")" : "");
        }
        if (t instanceof DotEnvParseException p) {
            return p.getMessage(); // line numbers and keys only
        }
        if (t instanceof IOException && t.getMessage() != null) {
            return t.getMessage(); // e.g. "No space left on device"; I/O messages name paths, not content
        }
        return t.getClass().getSimpleName();
    }

    private static ApiError.Problem referenceConflict(String key) {
        return new ApiError.Problem(key, "the key holds a Key Vault reference and no Key Vault is configured: "
                + "refusing to replace the reference with a plaintext value (configure KEY_VAULT_URL, or send a new "
                + "@kv: reference)");
    }

    private Uni<List<Outcome>> storeSecrets(List<Planned> items) {
        if (items.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        String credential = credentialDescription();
        // at most key-vault-concurrency writes in flight; merge() subscribes lazily, so the rest wait their turn
        return Multi.createFrom().iterable(items)
                .onItem().transformToUni(item -> storeOne(item, credential))
                .merge(config.keyVaultConcurrency())
                .collect().asList()
                .map(done -> {
                    // back in request order (merge emits in completion order); each outcome is recovered
                    List<Outcome> ordered = new ArrayList<>(done);
                    ordered.sort(java.util.Comparator.comparingInt(o -> items.indexOf(o.item())));
                    return ordered;
                });
    }

    private Uni<Outcome> storeOne(Planned item, String credential) {
        Uni<KeyVaultSecret> call = KeyVaultRetry.retried(() -> Uni.createFrom()
                .completionStage(() -> client(item).setSecret(item.secretName(), item.value()).toFuture()),
                config.keyVaultRetries(), config.keyVaultTimeout());
        Uni<KeyVaultSecret> timed = call.ifNoItem().after(config.keyVaultTimeout()).fail();
        // a firewall refusal joins the one allowlisting run, then the write goes once more; else it is described
        return firewall.withAllowlisting(item.vaultUrl(), () -> timed)
                .map(secret -> new Outcome(item, null))
                .onFailure().recoverWithItem(e -> new Outcome(item, KeyVaultErrors.describe(e, credential)));
    }

    private SecretAsyncClient client(Planned item) {
        return item.vaultUrl() == null ? keyVault.secrets() : keyVault.clients().forVault(item.vaultUrl());
    }

    private String credentialDescription() {
        try {
            return keyVault.clients().credentialDescription();
        } catch (RuntimeException e) {
            return "the configured credential";
        }
    }

    private Uni<Response> writeEnv(Plan plan, List<Planned> stored) {
        return blocking(() -> {
            try {
                file.update(current -> {
                    // re-checked under the lock: never put plaintext over a reference written meanwhile
                    List<ApiError.Problem> late = new ArrayList<>();
                    for (Planned p : plan.items()) {
                        if ((p.action() == Action.PLAIN || p.action() == Action.SECRET_AS_VALUE)
                                && current.get(p.key()).filter(SecretReferenceParser::isReference).isPresent()) {
                            late.add(referenceConflict(p.key()));
                        }
                    }
                    if (!late.isEmpty()) {
                        throw new ReferenceConflict(late);
                    }
                    return DotEnvFormat.apply(current, plan.envChanges());
                });
            } catch (ReferenceConflict e) {
                if (stored.isEmpty()) {
                    return conflict(e.problems);
                }
                return new ApiError("conflict", "The request was rejected and " + file.path().getFileName() + " was not "
                        + "changed, but Key Vault already stored a new version for " + keys(stored) + ".", e.problems)
                        .toResponse(Response.Status.CONFLICT);
            }
            List<Dtos.Change> changes = new ArrayList<>();
            List<String> warnings = new ArrayList<>(plan.warnings());
            List<String> asValue = new ArrayList<>();
            for (Planned p : plan.items()) {
                switch (p.action()) {
                    case REMOVE -> changes.add(new Dtos.Change(p.key(), "removed", null));
                    case KEYVAULT -> changes.add(new Dtos.Change(p.key(), "keyvault", p.envValue()));
                    case REFERENCE -> changes.add(new Dtos.Change(p.key(), "env", p.envValue()));
                    case PLAIN -> changes.add(new Dtos.Change(p.key(), "env", null));
                    case SECRET_AS_VALUE -> {
                        changes.add(new Dtos.Change(p.key(), "env-plaintext", null));
                        asValue.add(p.key());
                    }
                }
            }
            if (!asValue.isEmpty()) {
                warnings.add("Key Vault is not configured: secret settings " + asValue + " were written to "
                        + file.path().getFileName() + " as plain values (file mode 0600). Configure KEY_VAULT_URL and "
                        + "save them again to move them to Key Vault.");
                LOG.warnf("Key Vault is not configured: secret settings %s were written to %s in plaintext (mode 0600)",
                        asValue, file.path());
            }
            LOG.infof("Settings saved to %s: %s", file.path(), plan.items());
            return Response.ok(new Dtos.WriteResult("ok", true, changes, warnings)).build();
        });
    }

    /** {@code .env} failed after Key Vault took the secrets: say what Key Vault holds now, and why. */
    private Response envWriteFailure(Throwable e, List<Planned> stored) {
        String reason = ioReason(e);
        LOG.errorf("Settings not saved: %s could not be written (%s) after Key Vault stored %s", file.path(), reason,
                keys(stored));
        List<Dtos.StoredSecret> storedSecrets = stored.stream()
                .map(p -> new Dtos.StoredSecret(p.key(), p.secretName())).toList();
        String name = file.path().getFileName().toString();
        String message = stored.isEmpty()
                ? name + " could not be written: " + reason + ". Nothing was written."
                : "Key Vault stored a new version of the secrets listed under 'stored', but " + name + " could not be "
                        + "written: " + reason + ". " + name + " was not changed; references to the latest version of "
                        + "those secrets will see the new values at the next start"
                        + (stored.stream().anyMatch(p -> AdminSecret.KEY.equals(p.key()))
                                ? " (ADMIN_SECRET's included: it is the admin token after the next start)" : "")
                        + ". Fix the cause and send the request again.";
        return Response.status(Response.Status.INTERNAL_SERVER_ERROR).type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new Dtos.EnvWriteFailure("env_write_failed", message, reason, storedSecrets)).build();
    }

    private static List<String> keys(List<Planned> items) {
        return items.stream().map(Planned::key).toList();
    }

    private Response keyVaultFailure(List<Outcome> outcomes) {
        List<Dtos.StoredSecret> stored = new ArrayList<>();
        List<Dtos.NotStoredSecret> notStored = new ArrayList<>();
        boolean unavailable = false;
        for (Outcome o : outcomes) {
            if (o.failure() == null) {
                stored.add(new Dtos.StoredSecret(o.item().key(), o.item().secretName()));
            } else {
                notStored.add(new Dtos.NotStoredSecret(o.item().key(), o.item().secretName(), o.failure().reason()));
                unavailable |= o.failure().kind() == KeyVaultErrors.Kind.UNAVAILABLE;
            }
        }
        String message = "Key Vault did not store every secret, so " + file.path().getFileName()
                + " was not changed and nothing was written as plaintext."
                + (stored.isEmpty() ? ""
                        : " The secrets listed under 'stored' already have a new version in Key Vault; references to "
                                + "their latest version will see it at the next start.")
                + " Fix the cause and send the request again.";
        LOG.warnf("Settings not saved: Key Vault stored %s, did not store %s", stored, notStored);
        return Response.status(unavailable ? Response.Status.SERVICE_UNAVAILABLE : Response.Status.BAD_GATEWAY)
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(new Dtos.KeyVaultWriteFailure("keyvault_error", message, stored, notStored)).build();
    }

    private static Response conflict(List<ApiError.Problem> problems) {
        return new ApiError("conflict", "The request was rejected; nothing was written.", problems)
                .toResponse(Response.Status.CONFLICT);
    }

    // ---- helpers -------------------------------------------------------------------------------------

    static String defaultSecretName(String key) {
        return key.toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static boolean validSecretName(String name) {
        return name != null && name.matches("[0-9a-zA-Z-]{1,127}");
    }

    private static SecretReference parseOrNull(String value) {
        try {
            return SecretReferenceParser.parse(value);
        } catch (InvalidReferenceException e) {
            return null;
        }
    }

    /** Runs file I/O on the worker pool, never on an event-loop thread. */
    static <T> Uni<T> blocking(Callable<T> work) {
        return Uni.createFrom().item(() -> {
            if (Context.isOnEventLoopThread()) {
                throw new IllegalStateException("blocking file I/O on an event-loop thread");
            }
            try {
                return work.call();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }).runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }
}
