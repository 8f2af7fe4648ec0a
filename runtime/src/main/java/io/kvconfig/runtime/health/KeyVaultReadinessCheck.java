package io.kvconfig.runtime.health;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;
import org.jboss.logging.Logger;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.refresh.StaleReference;
import io.kvconfig.runtime.vault.ErrorClassifier;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import io.smallrye.mutiny.Uni;

/**
 * Readiness: the default vault answers an authenticated request, plus counts of the {@code @kv:} references' startup
 * statuses. Registered only when quarkus-smallrye-health is present and {@code quarkus.kvconfig.health.enabled} is not
 * {@code false}.
 * <p>
 * Readiness is open to anyone, so it must not turn anonymous calls into Key Vault calls (the vault's throttling budget
 * is shared with other apps) nor show how the app reaches its vault: the probe result is reused for
 * {@code quarkus.kvconfig.health.cache-period} (calls during a probe share it), and the answer holds counts and
 * statuses only. The reason of a failure (vault URL, credential, client address) is logged once per change of state.
 */
@Readiness
@Singleton
public class KeyVaultReadinessCheck implements AsyncHealthCheck {

    static final String NAME = "Azure Key Vault";
    public static final String CACHE_PERIOD = "quarkus.kvconfig.health.cache-period";
    static final Duration DEFAULT_CACHE_PERIOD = Duration.ofSeconds(30);
    private static final Logger LOG = Logger.getLogger(KeyVaultReadinessCheck.class);

    @Inject
    KeyVault keyVault;

    private volatile SharedProbe<Outcome> probe;
    /** The state last logged ("up", or "down:" + kind): a log line per change, not per probe. */
    private final AtomicReference<String> loggedState = new AtomicReference<>();

    /** One probe's result, in the words of the answer; {@code detail} is for the log only. */
    record Outcome(boolean reachable, String errorKind, int httpStatus, String detail) {
        String state() {
            return reachable ? "up" : "down:" + errorKind;
        }
    }

    @Override
    public Uni<HealthCheckResponse> call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME);
        counts(b, keyVault.references());
        stale(b, keyVault.staleReferences());
        if (!keyVault.configured()) {
            return Uni.createFrom().item(b.withData("vault", "not configured").up().build());
        }
        b.withData("vault", "configured");
        return Uni.createFrom().completionStage(sharedProbe()::get).map(o -> {
            b.withData("reachable", o.reachable());
            if (o.reachable()) {
                return b.up().build();
            }
            b.withData("error-kind", o.errorKind());
            if (o.httpStatus() > 0) {
                b.withData("http-status", o.httpStatus());
            }
            return b.down().build();
        });
    }

    /** Counts per status: no property or secret name leaves the process through this open endpoint. */
    static void counts(HealthCheckResponseBuilder b, List<ReferenceStatus> references) {
        b.withData("references", references.size());
        for (ReferenceStatus.Status s : ReferenceStatus.Status.values()) {
            b.withData(kebab(s.name()), references.stream().filter(r -> r.status() == s).count());
        }
    }

    /**
     * References whose refresh fails keep their last good value, so readiness stays UP; the data says how many are
     * stale since when, and why (failure kinds). Names stay out of this open endpoint: {@code KeyVault.staleReferences()}
     * lists them.
     */
    static void stale(HealthCheckResponseBuilder b, List<StaleReference> stale) {
        if (stale.isEmpty()) {
            return;
        }
        b.withData("stale", stale.stream().mapToLong(s -> s.properties().size()).sum());
        Instant since = stale.stream().map(StaleReference::since).min(Instant::compareTo).orElseThrow();
        b.withData("stale-since", since.truncatedTo(java.time.temporal.ChronoUnit.SECONDS).toString());
        b.withData("stale-kinds", stale.stream().map(s -> kebab(s.kind().name())).distinct().sorted()
                .collect(java.util.stream.Collectors.joining(",")));
    }

    private SharedProbe<Outcome> sharedProbe() {
        SharedProbe<Outcome> p = probe;
        if (p == null) {
            synchronized (this) {
                if (probe == null) {
                    probe = new SharedProbe<>(this::probeOnce, cachePeriod(), System::nanoTime);
                }
                p = probe;
            }
        }
        return p;
    }

    /** Read as the other Key Vault settings are (the runtime config); the config root documents it. */
    static Duration cachePeriod() {
        String value = ConfigProvider.getConfig().getOptionalValue(CACHE_PERIOD, String.class).orElse(null);
        if (value == null || value.isBlank()) {
            return DEFAULT_CACHE_PERIOD;
        }
        Duration d;
        try {
            d = DurationConverter.parseDuration(value.strip());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(CACHE_PERIOD + "='" + value + "' is not a duration; use e.g. 30S or 2M");
        }
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(CACHE_PERIOD + "='" + value + "' must not be negative");
        }
        return d;
    }

    /** One Key Vault request; never fails: an error becomes a DOWN outcome. */
    private CompletableFuture<Outcome> probeOnce() {
        // health calls arrive on the event loop; creating the clients (first use) and the SDK's first request block
        return CompletableFuture.supplyAsync(() -> keyVault.probe(), Infrastructure.getDefaultWorkerPool())
                .thenCompose(call -> call)
                .handle((ok, error) -> {
                    Outcome o;
                    if (error == null) {
                        o = new Outcome(true, null, 0, null);
                    } else {
                        // the resolver's classifier: a firewall 403 and a refused credential get different words
                        ErrorClassifier.Classified c = ErrorClassifier.classify(error,
                                keyVault.clients().credentialDescription());
                        o = new Outcome(false, kebab(c.kind().name()), c.status(), c.detail());
                    }
                    logChange(o);
                    return o;
                });
    }

    private void logChange(Outcome o) {
        String previous = loggedState.getAndSet(o.state());
        if (o.state().equals(previous)) {
            return;
        }
        String vault = keyVault.vaultUrl().orElse("");
        if (o.reachable()) {
            if (previous == null) {
                LOG.debugf("Key Vault readiness: %s answers (probe results reused for %s)", vault, probe == null ? ""
                        : probe.period());
            } else {
                LOG.infof("Key Vault readiness: UP again, %s answers", vault);
            }
        } else {
            LOG.warnf("Key Vault readiness: DOWN, %s: %s%s: %s", vault, o.errorKind(),
                    o.httpStatus() > 0 ? " (HTTP " + o.httpStatus() + ")" : "", o.detail());
        }
    }

    private static String kebab(String enumName) {
        return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
