package io.kvconfig.runtime.refresh;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Predicate;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.metrics.KvConfigMetrics;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.ResolutionFailure;
import io.kvconfig.runtime.vault.FailureKind;

/**
 * Re-reads the unpinned references of one runtime config's batch: ONE resolver batch per refresh (one GET per
 * distinct secret, the resolver's backoff and firewall step), a value swapped in only when its secret's version
 * changed, {@link SecretsRefreshed} fired when something changed. Refreshes run one at a time on one daemon thread
 * (the timer's, an application's and a webhook's calls queue up), so versions are never compared against a refresh
 * that is still running. A reference that cannot be re-read keeps its last good value and is {@link #stale()}; each
 * failure kind is logged once until every reference reads again.
 */
public final class Refresher implements LiveReferences, AutoCloseable {

    private static final Logger LOG = Logger.getLogger("io.kvconfig");

    private final RefreshableBatch batch;
    private final Object lock = new Object();
    private ExecutorService executor;
    private boolean closed;
    /** Only touched on the refresh thread. */
    private final Map<SecretReference, StaleReference> stale = new LinkedHashMap<>();
    private volatile List<StaleReference> staleView = List.of();
    private final Set<FailureKind> logged = new LinkedHashSet<>();

    public Refresher(RefreshableBatch batch) {
        this.batch = batch;
    }

    @Override
    public Optional<String> current(String property) {
        return batch.current(property);
    }

    @Override
    public CompletionStage<RefreshResult> refresh() {
        return submit(e -> true);
    }

    @Override
    public CompletionStage<RefreshResult> refresh(String vaultUrl, String secretName) {
        return submit(e -> e.vaultUrl().equals(vaultUrl) && e.reference().name().equalsIgnoreCase(secretName));
    }

    @Override
    public List<StaleReference> stale() {
        return staleView;
    }

    private CompletionStage<RefreshResult> submit(Predicate<RefreshableBatch.Entry> which) {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException(
                        "Key Vault references can no longer be refreshed: the application is stopping"));
            }
            if (executor == null) {
                // created on first use: an app that never refreshes has no extra thread
                executor = Executors.newSingleThreadExecutor(r -> {
                    Thread t = new Thread(r, "kvconfig-refresh");
                    t.setDaemon(true);
                    return t;
                });
            }
            try {
                return CompletableFuture.supplyAsync(() -> run(which), executor);
            } catch (RejectedExecutionException e) {
                return CompletableFuture.failedFuture(e);
            }
        }
    }

    /** Stops the refresh thread (application shutdown, or a new runtime config replacing this one). */
    @Override
    public void close() {
        synchronized (lock) {
            closed = true;
            if (executor != null) {
                executor.shutdownNow();
            }
        }
    }

    private RefreshResult run(Predicate<RefreshableBatch.Entry> which) {
        List<RefreshableBatch.Entry> entries = batch.refreshable().stream().filter(which).toList();
        if (entries.isEmpty()) {
            return RefreshResult.empty();
        }
        Map<String, SecretReference> request = new LinkedHashMap<>();
        for (RefreshableBatch.Entry e : entries) {
            request.put(e.properties().get(0), e.reference());
        }
        Resolution resolution = batch.refreshResolver().resolve(request);
        Instant at = Instant.now();
        Map<String, ResolutionFailure> failed = new LinkedHashMap<>();
        resolution.failures().forEach(f -> failed.put(f.property(), f));
        // an optional reference whose secret is gone: it had a value, so it keeps it, like any other failure
        resolution.skipped().forEach(f -> failed.put(f.property(), f));

        Map<SecretReference, RefreshableBatch.Fetched> fresh = new LinkedHashMap<>();
        List<String> changedProperties = new ArrayList<>();
        Set<String> changedSecrets = new LinkedHashSet<>();
        List<RefreshResult.Failure> failures = new ArrayList<>();
        List<ResolutionFailure> newlyFailed = new ArrayList<>();
        for (RefreshableBatch.Entry e : entries) {
            String key = e.properties().get(0);
            String value = resolution.values().get(key);
            if (value == null) {
                ResolutionFailure f = failed.get(key);
                FailureKind kind = f != null ? f.kind() : FailureKind.UNEXPECTED;
                for (String p : e.properties()) {
                    failures.add(new RefreshResult.Failure(p, e.reference().name(), e.vaultUrl(), kind));
                }
                StaleReference before = stale.get(e.reference());
                stale.put(e.reference(), new StaleReference(e.properties(), e.reference().name(), e.vaultUrl(), kind,
                        before != null ? before.since() : at));
                if (f != null) {
                    newlyFailed.add(f);
                }
                continue;
            }
            stale.remove(e.reference());
            String version = resolution.versions().get(key);
            boolean changed = version != null ? !version.equals(e.version())
                    : !batch.value(e.reference()).map(value::equals).orElse(false);
            if (changed) {
                fresh.put(e.reference(), new RefreshableBatch.Fetched(value, version));
                changedProperties.addAll(e.properties());
                changedSecrets.add(e.reference().name());
            }
        }
        if (!fresh.isEmpty()) {
            batch.update(fresh);
        }
        staleView = List.copyOf(stale.values());
        logFailures(newlyFailed);
        RefreshResult result = new RefreshResult(changedProperties, List.copyOf(changedSecrets), failures, at);
        KvConfigMetrics.refresh(!failures.isEmpty(), changedSecrets.size());
        LOG.debugf("Key Vault refresh: %d secret%s read, %d with a new version (%s), %d failed, %d request%s",
                resolution.stats().distinctSecrets(), resolution.stats().distinctSecrets() == 1 ? "" : "s",
                changedSecrets.size(), String.join(", ", changedProperties), failures.size(),
                resolution.stats().requestsSent(), resolution.stats().requestsSent() == 1 ? "" : "s");
        if (result.changed()) {
            LOG.infof("Key Vault refresh: new version of %s (properties %s)", String.join(", ", changedSecrets),
                    String.join(", ", changedProperties));
            RefreshEvents.fire(new SecretsRefreshed(changedProperties, List.copyOf(changedSecrets)));
        }
        return result;
    }

    /** Once per failure kind while references are stale; once more when all of them read again. */
    private void logFailures(List<ResolutionFailure> failures) {
        if (stale.isEmpty()) {
            if (!logged.isEmpty()) {
                LOG.info("Key Vault refresh: every reference reads again");
                logged.clear();
            }
            return;
        }
        Map<FailureKind, List<ResolutionFailure>> byKind = new LinkedHashMap<>();
        for (ResolutionFailure f : failures) {
            byKind.computeIfAbsent(f.kind(), k -> new ArrayList<>()).add(f);
        }
        byKind.forEach((kind, list) -> {
            if (!logged.add(kind)) {
                return;
            }
            List<String> where = list.stream().map(ResolutionFailure::where).toList();
            LOG.warnf("Key Vault refresh failed (%s) for %s: %s; the last good value%s kept and the refresh is retried"
                    + " (logged once per failure kind)", kind.name().toLowerCase(Locale.ROOT).replace('_', '-'),
                    String.join("; ", where), list.get(0).message(), list.size() == 1 ? " is" : "s are");
        });
    }
}
