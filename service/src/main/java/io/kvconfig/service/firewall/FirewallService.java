package io.kvconfig.service.firewall;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.firewall.FirewallAllowlister;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Allowlisting while the service runs: on demand (admin API), on a schedule ({@value #SCHEDULE}, off by default,
 * so a laptop whose IP changed is allowed again), and reactively ({@link #withAllowlisting}: Key Vault calls
 * refused by the firewall share one run, then each is retried once). Every run happens on a worker thread (ARM and
 * the propagation wait block) and runs never overlap (the allowlister serialises them process-wide).
 */
@ApplicationScoped
public class FirewallService {

    /** Period of the scheduled re-check, e.g. {@code 15m}; {@code off} (default) disables it. */
    public static final String SCHEDULE = "kvconfig.firewall.schedule";

    private static final Logger LOG = Logger.getLogger(FirewallService.class);

    @Inject
    KeyVault keyVault;

    private volatile FirewallAllowlister allowlister;
    private volatile Boolean configured;
    /** Allowlisting runs after a refusal, by vault: the refusals that come while one runs share its result. */
    private final Map<String, CompletableFuture<Optional<String>>> running = new ConcurrentHashMap<>();

    /** The firewall settings as the extension reads them ({@code quarkus.kvconfig.firewall.*}, KEY_VAULT_RG ...). */
    public FirewallSettings settings() {
        var config = ConfigProvider.getConfig();
        return FirewallSettings.from(name -> config.getOptionalValue(name, String.class));
    }

    /** Empty when no vault is configured or allowlisting is off (no resource group). */
    public Optional<FirewallAllowlister> allowlister() {
        FirewallAllowlister a = allowlister;
        if (a != null) {
            return Optional.of(a);
        }
        if (!keyVault.configured()) {
            return Optional.empty();
        }
        FirewallSettings s = settings();
        if (!s.enabled()) {
            return Optional.empty();
        }
        synchronized (this) {
            if (allowlister == null) {
                allowlister = FirewallAllowlister.create(s, keyVault.clients(), LaunchMode.current().isDevOrTest());
            }
            return Optional.of(allowlister);
        }
    }

    /** Why allowlisting cannot run here, for the API (empty when it can). */
    public Optional<String> unavailableReason() {
        if (!keyVault.configured()) {
            return Optional.of(KeyVault.NOT_CONFIGURED);
        }
        if (!settings().enabled()) {
            return Optional.of("Firewall allowlisting is off: set KEY_VAULT_RG (or " + FirewallSettings.RESOURCE_GROUP
                    + ") to the vault's resource group.");
        }
        return Optional.empty();
    }

    /** The last run in this process (startup, reactive, schedule or API). */
    public Optional<AllowlistResult> last() {
        return keyVault.lastAllowlisting();
    }

    /** Runs allowlisting now, off the event loop. Empty when allowlisting is not available. */
    public Uni<Optional<AllowlistResult>> runNow() {
        return Uni.createFrom().item(() -> allowlister().map(FirewallAllowlister::allowlist))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /** True when the default vault is configured and allowlisting is on (read once: config does not change). */
    public boolean allowlistingConfigured() {
        Boolean on = configured;
        if (on == null) {
            on = keyVault.configured() && settings().enabled();
            configured = on;
        }
        return on;
    }

    /** {@link #withAllowlisting(String, Supplier)} for a call to the default vault. */
    public <T> Uni<T> withAllowlisting(Supplier<Uni<T>> call) {
        return withAllowlisting(null, call);
    }

    /**
     * The reactive path for the service's Key Vault calls: when {@code call} fails because the vault firewall
     * refused this machine (ForbiddenByFirewall/ForbiddenByConnection), it joins the one allowlisting run for that
     * vault (started by the first refusal, on a worker thread; the calls refused meanwhile wait for its result without
     * holding a thread) and, if the rule is in place and effective, subscribes to {@code call} again, once. If
     * allowlisting cannot help, the call fails with a {@link FirewallRefusedException} saying why. Any other failure
     * passes through; without allowlisting configured this is a plain pass-through.
     *
     * @param vaultUrl the vault {@code call} talks to; null = the default vault
     */
    public <T> Uni<T> withAllowlisting(String vaultUrl, Supplier<Uni<T>> call) {
        Uni<T> once = Uni.createFrom().deferred(call::get);
        if (!allowlistingConfigured()) {
            return once;
        }
        String target = vaultUrl != null ? vaultUrl : keyVault.vaultUrl().orElse(null);
        return once.onFailure(ErrorClassifier::isFirewallRefusal).recoverWithUni(refusal -> {
            Optional<FirewallAllowlister> a = allowlister();
            if (a.isEmpty()) {
                return Uni.createFrom().failure(refusal);
            }
            return Uni.createFrom().completionStage(() -> sharedRun(a.get(), target))
                    .flatMap(notFixed -> notFixed.isEmpty() ? Uni.createFrom().deferred(call::get)
                            : Uni.createFrom().<T>failure(new FirewallRefusedException(notFixed.get(), refusal)));
        });
    }

    /**
     * The allowlisting run after a refusal for this vault: the one in progress, else a new one on a worker thread.
     * Completes with empty when the refused calls should be retried, else why not. Each caller gets its own copy, so
     * one caller cancelling does not cancel the run for the others.
     */
    private CompletableFuture<Optional<String>> sharedRun(FirewallAllowlister allowlister, String vaultUrl) {
        String key = vaultUrl == null ? "" : vaultUrl.toLowerCase(java.util.Locale.ROOT);
        CompletableFuture<Optional<String>> mine = new CompletableFuture<>();
        CompletableFuture<Optional<String>> existing = running.putIfAbsent(key, mine);
        if (existing != null) {
            return existing.copy();
        }
        try {
            Infrastructure.getDefaultWorkerPool().execute(() -> {
                Optional<String> result;
                try {
                    result = Optional.ofNullable(afterRefusal(allowlister, vaultUrl));
                } catch (RuntimeException e) {
                    result = Optional.of("allowlisting failed (" + e.getClass().getSimpleName() + ")");
                }
                // a refusal from now on starts a new run: the rule may have gone again
                running.remove(key, mine);
                mine.complete(result);
            });
        } catch (RuntimeException e) {
            running.remove(key, mine);
            mine.complete(Optional.of("allowlisting could not start (" + e.getClass().getSimpleName() + ")"));
        }
        return mine.copy();
    }

    /** Runs allowlisting after a refusal (worker thread): null when the call should be retried, else why not. */
    private String afterRefusal(FirewallAllowlister allowlister, String vaultUrl) {
        if (!allowlister.manages(vaultUrl)) {
            return "allowlisting manages vault " + allowlister.settings().effectiveVaultName().orElse("?")
                    + ", not " + vaultUrl;
        }
        if (allowlister.allowlistAfterRefusal(vaultUrl)) {
            return null;
        }
        return last()
                .map(r -> r.error() != null ? r.error() : r.message() + " (the rule is not effective yet)")
                .orElse("allowlisting did not run");
    }

    /** Scheduled re-check (worker thread); skipped while the previous one still runs. */
    @Scheduled(identity = "kvconfig-firewall-recheck", every = "${" + SCHEDULE + ":off}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduledRecheck() {
        Optional<FirewallAllowlister> a = allowlister();
        if (a.isEmpty()) {
            LOG.debugf("Scheduled firewall re-check skipped: %s", unavailableReason().orElse("not available"));
            return;
        }
        a.get().allowlist();
    }
}
