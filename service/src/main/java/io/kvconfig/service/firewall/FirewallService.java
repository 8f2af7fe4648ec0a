package io.kvconfig.service.firewall;

import java.util.Optional;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.firewall.DataPlaneProbe;
import io.kvconfig.runtime.firewall.FirewallAllowlister;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.firewall.FirewallStatus;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.infrastructure.Infrastructure;

/**
 * Allowlisting while the service runs: on demand (admin API), on a schedule ({@value #SCHEDULE}, off by default,
 * so a laptop whose IP changed is allowed again), and reactively ({@link #withAllowlisting}: a Key Vault call
 * refused by the firewall triggers one run, then one retry). Every run happens on a worker thread (ARM and the
 * propagation wait block) and runs never overlap (the allowlister serialises them process-wide).
 */
@ApplicationScoped
public class FirewallService {

    /** Period of the scheduled re-check, e.g. {@code 15m}; {@code off} (default) disables it. */
    public static final String SCHEDULE = "kvconfig.firewall.schedule";

    private static final Logger LOG = Logger.getLogger(FirewallService.class);

    @Inject
    KeyVault keyVault;

    private volatile FirewallAllowlister allowlister;

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
        return FirewallStatus.last();
    }

    /** Runs allowlisting now, off the event loop. Empty when allowlisting is not available. */
    public Uni<Optional<AllowlistResult>> runNow() {
        return Uni.createFrom().item(() -> allowlister().map(FirewallAllowlister::allowlist))
                .runSubscriptionOn(Infrastructure.getDefaultWorkerPool());
    }

    /**
     * The reactive path for the service's Key Vault calls: when {@code call} fails because the vault firewall
     * refused this machine (ForbiddenByFirewall/ForbiddenByConnection), run allowlisting once (worker thread) and,
     * if the rule is in place and effective, subscribe to {@code call} again, once. Any other failure passes through.
     */
    public <T> Uni<T> withAllowlisting(Supplier<Uni<T>> call) {
        return Uni.createFrom().deferred(() -> call.get())
                .onFailure(DataPlaneProbe::isFirewallRefusal).recoverWithUni(refusal -> {
                    Optional<FirewallAllowlister> a = allowlister();
                    if (a.isEmpty()) {
                        return Uni.createFrom().failure(refusal);
                    }
                    return Uni.createFrom().item(() -> a.get().allowlistAfterRefusal(keyVault.vaultUrl().orElse(null)))
                            .runSubscriptionOn(Infrastructure.getDefaultWorkerPool())
                            .flatMap(retry -> retry ? Uni.createFrom().deferred(() -> call.get()) : Uni.createFrom().<T>failure(refusal));
                });
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
