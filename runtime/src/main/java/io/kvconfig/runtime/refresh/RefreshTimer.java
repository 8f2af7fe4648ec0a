package io.kvconfig.runtime.refresh;

import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.KvConfigRuntime;

/**
 * The timed refresh ({@code quarkus.kvconfig.refresh.period}): one daemon thread that waits period + jitter, refreshes
 * the live references of the current runtime config and waits again (never two refreshes at once, the next wait
 * starts when a refresh ended). Started at application start only when the period is set, stopped at shutdown (a
 * dev-mode restart stops the old timer before the new app starts its own).
 */
public final class RefreshTimer implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger("io.kvconfig");

    private final RefreshSettings settings;
    private final Supplier<Duration> nextDelay;
    private final ScheduledExecutorService scheduler;
    /** The class of the last failure logged, so a refresh that keeps failing the same way is logged once. */
    private volatile String lastFailure;

    private RefreshTimer(RefreshSettings settings) {
        this.settings = settings;
        this.nextDelay = settings::nextDelay;
        ScheduledThreadPoolExecutor s = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "kvconfig-refresh-timer");
            t.setDaemon(true);
            return t;
        });
        s.setRemoveOnCancelPolicy(true);
        this.scheduler = s;
    }

    /** Starts the timer when {@code settings} has a period; empty otherwise (nothing is started). */
    public static java.util.Optional<RefreshTimer> start(RefreshSettings settings) {
        if (!settings.enabled()) {
            return java.util.Optional.empty();
        }
        RefreshTimer timer = new RefreshTimer(settings);
        timer.scheduleNext();
        LOG.debugf("Key Vault refresh every %s (+ up to %s of jitter)", settings.period().get(), settings.jitter());
        return java.util.Optional.of(timer);
    }

    private void scheduleNext() {
        if (scheduler.isShutdown()) {
            return;
        }
        try {
            scheduler.schedule(this::tick, nextDelay.get().toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // stopped meanwhile
        }
    }

    private void tick() {
        try {
            KvConfigRuntime.liveReferences().ifPresent(live -> live.refresh().toCompletableFuture().join());
            lastFailure = null;
        } catch (RuntimeException e) {
            // failures of single references are the refresher's (kept values, logged once per kind); this is the
            // refresh itself failing (clients closed, the app stopping)
            Throwable cause = e instanceof java.util.concurrent.CompletionException && e.getCause() != null ? e.getCause() : e;
            String what = cause.getClass().getName();
            if (!what.equals(lastFailure) && !scheduler.isShutdown()) {
                lastFailure = what;
                LOG.warnf("Key Vault refresh did not run: %s; retried in %s", cause.toString(), settings.period().get());
            }
        } finally {
            scheduleNext();
        }
    }

    /** Stops the timer; a refresh in progress ends on its own (its thread is the refresher's). */
    @Override
    public void close() {
        scheduler.shutdownNow();
    }

    /** True until {@link #close()}. */
    public boolean running() {
        return !scheduler.isShutdown();
    }
}
