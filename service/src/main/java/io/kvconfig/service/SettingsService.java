package io.kvconfig.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;

import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.dotenv.DotEnvDocument;
import io.kvconfig.runtime.dotenv.DotEnvFile;
import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.service.firewall.FirewallService;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;

/**
 * Reads the settings and runs the write_env flow:
 * <ol>
 * <li>validate the whole body first (400 lists every problem, 413 over the size limit; nothing written);</li>
 * <li>plan each key against its current value: remove, plain value, a given {@code @kv:} reference, a secret
 * for Key Vault (name: the existing reference's, from the {@code .env} line or else any config source, else {@code kvconfig.service.secret-names}, else the key
 * lower-cased with {@code _} as {@code -}), or, without any vault, a secret written as a value (0600 file);
 * an existing {@code @kv:} reference is never replaced by plaintext (409);</li>
 * <li>store every Key Vault secret in one concurrent batch through the extension's {@link SecretAsyncClient};</li>
 * <li>only if all were stored: ONE atomic, locked write of {@code .env}; else 502/503 naming the keys stored and not
 * stored, and {@code .env} untouched.</li>
 * </ol>
 * Reactive: Key Vault calls are async, file I/O runs on the worker pool; nothing blocks an event-loop thread.
 */
@Startup
@ApplicationScoped
public class SettingsService {

    private static final Logger LOG = Logger.getLogger(SettingsService.class);

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

    enum Action {
        REMOVE, PLAIN, REFERENCE, SECRET_AS_VALUE, KEYVAULT
    }

    /** One key's plan. {@code value} is the secret for Key Vault, or what goes to .env; toString hides it. */
    record Planned(String key, Action action, String envValue, String value, String vaultUrl, String secretName) {
        @Override
        public String toString() {
            return "Planned[" + key + ", " + action + ", " + secretName + "]";
        }
    }

    record Plan(List<Planned> items, List<ApiError.Problem> conflicts) {
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
        validator = new SettingsValidator(mapper, secretKeys, config.maxValueBytes());
        for (Map.Entry<String, String> name : config.secretNames().entrySet()) {
            if (!validSecretName(name.getValue())) {
                throw new IllegalStateException("kvconfig.service.secret-names." + name.getKey()
                        + " is not a valid Key Vault secret name (1-127 of 0-9a-zA-Z-)");
            }
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
                String raw = found.get().value();
                boolean reference = SecretReferenceParser.isReference(raw);
                boolean secret = secretKeys.contains(key) || reference;
                settings.add(new Dtos.Setting(key, secret, reference ? raw.strip() : null, secret ? null : raw,
                        found.get().source()));
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
                    return storeSecrets(plan.keyVaultItems()).chain(outcomes -> {
                        List<Outcome> failed = outcomes.stream().filter(o -> o.failure() != null).toList();
                        if (!failed.isEmpty()) {
                            return Uni.createFrom().item(keyVaultFailure(outcomes));
                        }
                        return writeEnv(plan);
                    });
                });
    }

    Plan plan(DotEnvDocument doc, Map<String, String> changes) {
        List<Planned> items = new ArrayList<>();
        List<ApiError.Problem> conflicts = new ArrayList<>();
        Map<String, String> fromFile = doc.values();
        SettingSources sources = SettingSources.current(file.path());
        for (Map.Entry<String, String> change : changes.entrySet()) {
            String key = change.getKey();
            String value = change.getValue();
            Optional<String> current = currentReference(key, fromFile, sources);
            SecretReference currentRef = current.map(SettingsService::parseOrNull).orElse(null);
            boolean currentIsReference = current.isPresent();
            if (value == null) {
                items.add(new Planned(key, Action.REMOVE, null, null, null, null));
            } else if (SecretReferenceParser.isReference(value)) {
                items.add(new Planned(key, Action.REFERENCE, value.strip(), null, null, null));
            } else if (secretKeys.contains(key) || currentIsReference) {
                boolean otherVault = currentRef != null && currentRef.vaultUrl() != null;
                if (keyVault.configured() || otherVault) {
                    // the current reference's name, from whichever source holds it
                    String name = currentRef != null ? currentRef.name()
                            : config.secretNames().getOrDefault(key, defaultSecretName(key));
                    String vaultUrl = currentRef != null ? currentRef.vaultUrl() : null;
                    boolean optional = currentRef != null && currentRef.optional();
                    // a new version was just written: the reference follows the latest, not a pinned version
                    String reference = new SecretReference(vaultUrl, name, null, optional).toReferenceString();
                    items.add(new Planned(key, Action.KEYVAULT, reference, value, vaultUrl, name));
                } else if (currentIsReference) {
                    conflicts.add(referenceConflict(key));
                } else {
                    items.add(new Planned(key, Action.SECRET_AS_VALUE, value, null, null, null));
                }
            } else {
                items.add(new Planned(key, Action.PLAIN, value, null, null, null));
            }
        }
        return new Plan(items, conflicts);
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
        List<Uni<Outcome>> unis = new ArrayList<>();
        for (Planned item : items) {
            Uni<KeyVaultSecret> call = Uni.createFrom()
                    .completionStage(() -> client(item).setSecret(item.secretName(), item.value()).toFuture());
            if (config.keyVaultRetries() > 0) {
                // the extension's clients have SDK retries off: transient failures are retried here
                call = call.onFailure(KeyVaultErrors::isTransient).retry()
                        .withBackOff(Duration.ofMillis(200), Duration.ofSeconds(2)).atMost(config.keyVaultRetries());
            }
            Uni<KeyVaultSecret> timed = call.ifNoItem().after(config.keyVaultTimeout()).fail();
            // a firewall refusal runs allowlisting once, then the write once more; else the failure is described
            Uni<Outcome> stored = firewall.withAllowlisting(item.vaultUrl(), () -> timed)
                    .map(secret -> new Outcome(item, null))
                    .onFailure().recoverWithItem(e -> new Outcome(item, KeyVaultErrors.describe(e, credential)));
            unis.add(stored);
        }
        // one concurrent batch; each outcome is recovered, so this never fails
        return Uni.join().all(unis).andFailFast();
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

    private Uni<Response> writeEnv(Plan plan) {
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
                return conflict(e.problems);
            }
            List<Dtos.Change> changes = new ArrayList<>();
            List<String> warnings = new ArrayList<>();
            List<String> asValue = new ArrayList<>();
            for (Planned p : plan.items()) {
                switch (p.action()) {
                    case REMOVE -> changes.add(new Dtos.Change(p.key(), "removed", null));
                    case KEYVAULT -> changes.add(new Dtos.Change(p.key(), "keyvault", p.envValue()));
                    case REFERENCE -> changes.add(new Dtos.Change(p.key(), "env", p.envValue()));
                    case PLAIN -> changes.add(new Dtos.Change(p.key(), "env", null));
                    case SECRET_AS_VALUE -> {
                        changes.add(new Dtos.Change(p.key(), "env", null));
                        asValue.add(p.key());
                    }
                }
            }
            if (!asValue.isEmpty()) {
                warnings.add("Key Vault is not configured: secret settings " + asValue + " were written to "
                        + file.path().getFileName() + " as plain values (file mode 0600). Configure KEY_VAULT_URL and "
                        + "save them again to move them to Key Vault.");
            }
            LOG.infof("Settings saved to %s: %s", file.path(), plan.items());
            return Response.ok(new Dtos.WriteResult("ok", true, changes, warnings)).build();
        });
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
                .type(jakarta.ws.rs.core.MediaType.APPLICATION_JSON_TYPE)
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
