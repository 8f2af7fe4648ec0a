package io.kvconfig.service.settings;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.refresh.RefreshResult;
import io.kvconfig.runtime.dotenv.DotEnvFile;
import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.kvconfig.runtime.dotenv.DotEnvParseException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.api.Dtos;
import io.kvconfig.service.settings.Plan.Action;
import io.kvconfig.service.settings.Plan.Item;
import io.kvconfig.service.settings.SaveResult.FileFailed.Stage;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.Startup;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.vertx.core.Context;

/**
 * Lists the settings and runs the write_env flow, each step able to end it with a {@link SaveResult}: validate the
 * body ({@link SettingsValidator}), plan ({@link SettingsPlanner}), check that a new {@code KEY_VAULT_URL} has every
 * referenced secret, prove {@code .env} writable (lock + temp file), store the secrets ({@link SecretWriter}), and only
 * if all were stored ONE atomic, locked {@code .env} write, re-checked under the lock. File I/O runs on the worker
 * pool, never on an event loop. Logs keys, secret names, paths and reasons, never a value.
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
    SecretWriter writer;

    @Inject
    ObjectMapper mapper;

    private DotEnvFile file;
    private Set<String> secretKeys;
    private SettingsValidator validator;
    private SettingsPlanner planner;

    @PostConstruct
    void init() {
        file = new DotEnvFile(Path.of(config.envFile()));
        secretKeys = new LinkedHashSet<>(config.secretKeys());
        boolean devOrTest = LaunchMode.current().isDevOrTest();
        WritePolicy policy = new WritePolicy(config.protectedKeys(), config.writableKeys());
        validator = new SettingsValidator(mapper, secretKeys, config.maxValueBytes(), policy, devOrTest);
        planner = new SettingsPlanner(secretKeys, config.secretNames(), devOrTest);
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

    /** The write_env flow. Fails only for what no step answers (e.g. a {@code .env} that does not parse). */
    public Uni<SaveResult> save(String body) {
        if (body != null && body.getBytes(StandardCharsets.UTF_8).length > config.maxBodyBytes()) {
            return Uni.createFrom().item(new SaveResult.TooLarge(config.maxBodyBytes()));
        }
        SettingsValidator.Result validated = validator.validate(body);
        if (!validated.valid()) {
            return Uni.createFrom().item(new SaveResult.Invalid(validated.problems()));
        }
        return blocking(file::read)
                .map(doc -> planner.plan(doc, validated.changes(), SettingSources.current(file.path()),
                        keyVault.vaultUrl().orElse(null)))
                .chain(plan -> {
                    if (!plan.conflicts().isEmpty()) {
                        return Uni.createFrom().<SaveResult>item(new SaveResult.Conflict(plan.conflicts(), List.of()));
                    }
                    return checkNewVault(plan)
                            .chain(refused -> refused != null ? Uni.createFrom().item(refused) : preflight(plan))
                            .chain(refused -> refused != null ? Uni.createFrom().item(refused) : storeAndWrite(plan));
                })
                // only reading .env fails this way (the later steps answer their own failures): nothing was written
                .onFailure(UncheckedIOException.class).recoverWithItem(e -> {
                    String reason = ioReason(e);
                    LOG.errorf("Settings not saved: %s cannot be read (%s)", file.path(), reason);
                    return new SaveResult.FileFailed(Stage.READ, reason, List.of());
                });
    }

    /** {@code .env} will point its default-vault references at a new vault: each must exist there. Null when fine. */
    private Uni<SaveResult> checkNewVault(Plan plan) {
        Map<SecretReference, List<String>> needed = plan.referencesToCheck();
        if (needed.isEmpty()) {
            return Uni.createFrom().nullItem();
        }
        String url = plan.vault().check();
        return writer.lookUp(url, List.copyOf(needed.keySet())).map(lookups -> {
            List<ApiError.Problem> missing = new ArrayList<>();
            List<String> unknown = new ArrayList<>();
            KeyVaultErrors.Described why = null;
            for (SecretWriter.Lookup l : lookups) {
                SecretReference ref = l.reference();
                if (l.failure() != null) {
                    why = l.failure();
                    unknown.add(ref.name());
                } else if (!l.found()) {
                    missing.add(new ApiError.Problem(SettingsValidator.KEY_VAULT_URL, "secret '" + ref.name() + "'"
                            + (ref.version() != null ? " version " + ref.version() : "") + " (referenced by "
                            + needed.get(ref) + ") is not in the new vault"));
                }
            }
            if (!missing.isEmpty()) {
                LOG.warnf("Settings not saved: the new KEY_VAULT_URL %s lacks %d referenced secret(s)", url, missing.size());
                return new SaveResult.NewVaultIncomplete(missing);
            }
            if (why != null) {
                LOG.warnf("Settings not saved: could not check the new KEY_VAULT_URL %s: %s", url, why.reason());
                return new SaveResult.NewVaultUnchecked(unknown, why);
            }
            return null;
        });
    }

    /** Takes the {@code .env} lock and creates (then deletes) a temp file where the write puts one. Null when fine. */
    private Uni<SaveResult> preflight(Plan plan) {
        if (plan.keyVaultItems().isEmpty()) {
            return Uni.createFrom().nullItem(); // no Key Vault write: the .env write itself fails cleanly
        }
        return blocking(() -> {
            try {
                file.update(current -> {
                    try {
                        file.checkWritable();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                    return current; // the same document: nothing is written
                });
                return null;
            } catch (IOException | UncheckedIOException e) {
                String reason = ioReason(e);
                LOG.errorf("Settings not saved: %s cannot be written (%s); Key Vault was not called", file.path(), reason);
                return new SaveResult.FileFailed(Stage.PREFLIGHT, reason, List.of());
            }
        });
    }

    private Uni<SaveResult> storeAndWrite(Plan plan) {
        return writer.store(plan.keyVaultItems()).chain(outcomes -> {
            if (outcomes.stream().anyMatch(o -> o.failure() != null)) {
                LOG.warnf("Settings not saved: Key Vault stored %s, did not store %s",
                        outcomes.stream().filter(o -> o.failure() == null).map(SecretWriter.Outcome::item).toList(),
                        outcomes.stream().filter(o -> o.failure() != null)
                                .map(o -> o.item() + ": " + o.failure().reason()).toList());
                return Uni.createFrom().item(new SaveResult.KeyVaultFailed(outcomes));
            }
            List<Item> stored = outcomes.stream().map(SecretWriter.Outcome::item).toList();
            // whatever goes wrong from here, the answer names what Key Vault already holds
            return writeEnv(plan, stored).onFailure().recoverWithItem(e -> {
                String reason = ioReason(e);
                LOG.errorf("Settings not saved: %s could not be written (%s) after Key Vault stored %s", file.path(),
                        reason, stored.stream().map(Item::key).toList());
                return new SaveResult.FileFailed(Stage.WRITE, reason, stored);
            }).chain(result -> result instanceof SaveResult.Saved saved ? applyNow(saved) : Uni.createFrom().item(result));
        });
    }

    /**
     * With refresh on, a save that only set new versions of secrets the running config already references (unpinned)
     * takes effect now: those secrets are refreshed at once (one GET each) and no restart is needed. Anything else
     * (a plain value, a new or removed reference, a pinned one), refresh off, or a refresh that failed: the answer
     * keeps {@code restartRequired} (a failed refresh is retried at the next period, and the log says why).
     */
    private Uni<SaveResult> applyNow(SaveResult.Saved saved) {
        if (!keyVault.refreshEnabled()) {
            return Uni.createFrom().item(saved);
        }
        Optional<List<SecretReference>> secrets = LiveSecrets.newVersionsOnly(saved.items(), keyVault.references(),
                keyVault.vaultUrl().orElse(null));
        if (secrets.isEmpty()) {
            return Uni.createFrom().item(saved);
        }
        List<Uni<RefreshResult>> refreshes = secrets.get().stream()
                .map(r -> Uni.createFrom().completionStage(() -> keyVault.refresh(r.vaultUrl(), r.name()))).toList();
        return Uni.join().all(refreshes).andFailFast().map(results -> {
            List<String> failed = results.stream().flatMap(r -> r.failures().stream())
                    .map(f -> f.secretName() + ": " + f.kind().words()).toList();
            if (!failed.isEmpty()) {
                LOG.warnf("Settings saved; refreshing %s failed (%s): the new values take effect at the next refresh"
                        + " or start", secrets.get().stream().map(SecretReference::name).toList(), failed);
                return (SaveResult) saved;
            }
            LOG.infof("Settings saved and in effect now: refreshed %s",
                    results.stream().flatMap(r -> r.changedProperties().stream()).toList());
            return new SaveResult.Saved(saved.items(), saved.warnings(), true);
        }).onFailure().recoverWithItem(e -> {
            LOG.warnf("Settings saved; the refresh that follows failed (%s): the new values take effect at the next"
                    + " refresh or start", e.getClass().getSimpleName());
            return saved;
        });
    }

    private Uni<SaveResult> writeEnv(Plan plan, List<Item> stored) {
        return blocking(() -> {
            List<ApiError.Problem> late = new ArrayList<>();
            file.update(current -> {
                // re-checked under the lock: never put plaintext over a reference written meanwhile (the same
                // document back: nothing is written)
                late.addAll(plan.lateConflicts(current));
                return late.isEmpty() ? DotEnvFormat.apply(current, plan.envChanges()) : current;
            });
            if (!late.isEmpty()) {
                return new SaveResult.Conflict(late, stored);
            }
            List<String> warnings = new ArrayList<>(plan.warnings());
            List<String> asValue = plan.items().stream().filter(p -> p.action() == Action.SECRET_AS_VALUE)
                    .map(Item::key).toList();
            if (!asValue.isEmpty()) {
                warnings.add("Key Vault is not configured: secret settings " + asValue + " were written to "
                        + file.path().getFileName() + " as plain values (file mode 0600). Configure KEY_VAULT_URL and "
                        + "save them again to move them to Key Vault.");
                LOG.warnf("Key Vault is not configured: secret settings %s were written to %s in plaintext (mode 0600)",
                        asValue, file.path());
            }
            LOG.infof("Settings saved to %s: %s", file.path(), plan.items());
            return new SaveResult.Saved(plan.items(), warnings, false);
        });
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
