package io.kvconfig.runtime;

import java.util.List;
import java.util.Optional;

import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.metrics.KvConfigMetrics;
import io.kvconfig.runtime.refresh.LiveReferences;

import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * Process-wide state shared by the config interceptor (which resolves at config init, before CDI exists) and the
 * {@link KeyVault} bean: the ONE {@link KeyVaultClients}, the startup report and the last firewall allowlisting result. A new runtime config (a dev-mode
 * restart) replaces it and closes the previous clients.
 */
public final class KvConfigRuntime {

    private static final Logger LOG = Logger.getLogger(KvConfigRuntime.class);

    /** The startup report of the current runtime config; never holds values. */
    public record Report(Optional<KeyVaultSettings> settings, List<ReferenceStatus> references, long elapsedMillis) {
        public static final Report NONE = new Report(Optional.empty(), List.of(), 0);
    }

    private static final Object LOCK = new Object();
    private static KeyVaultClients clients;
    private static volatile Report report = Report.NONE;
    private static final AtomicReference<AllowlistResult> lastAllowlisting = new AtomicReference<>();
    private static volatile LiveReferences liveReferences;

    private KvConfigRuntime() {
    }

    public static Report report() {
        return report;
    }

    /**
     * The last firewall allowlisting run in this process, whichever path ran it (startup, after a refusal, or an
     * application's own call): the firewall state is one per process and vault. Read through {@link KeyVault#lastAllowlisting()}.
     */
    public static Optional<AllowlistResult> lastAllowlisting() {
        return Optional.ofNullable(lastAllowlisting.get());
    }

    /** Recorded by the allowlister after each run (never holds a secret or token). */
    public static void recordAllowlisting(AllowlistResult result) {
        lastAllowlisting.set(result);
        if (result == null) {
            return; // a reset, not a run
        }
        KvConfigMetrics.allowlisting(!result.ok() ? "failed" : result.added() ? "added" : result.alreadyPresent() ? "already-present"
                : "not-needed");
    }

    /** The resolved references of the current runtime config, once its batch has run. */
    public static Optional<LiveReferences> liveReferences() {
        return Optional.ofNullable(liveReferences);
    }

    /** Called by the config interceptor once its batch has resolved (replaces a previous runtime config's). */
    public static void publishLiveReferences(LiveReferences references) {
        LiveReferences previous;
        synchronized (LOCK) {
            previous = liveReferences;
            liveReferences = references;
        }
        closeQuietly(previous, references);
    }

    private static void closeQuietly(LiveReferences previous, LiveReferences next) {
        if (previous instanceof AutoCloseable c && previous != next) {
            try {
                c.close();
            } catch (Exception e) {
                LOG.debugf("Closing the previous refresher failed: %s", e.toString());
            }
        }
    }

    /** Called by the config interceptor once its batch is done (statuses only, never values). */
    public static void publishReport(Optional<KeyVaultSettings> settings, List<ReferenceStatus> references, long elapsedMillis) {
        report = new Report(settings, List.copyOf(references), elapsedMillis);
    }

    /**
     * The shared clients for {@code settings}: the current ones when they were built from equal settings, else new
     * ones (the previous are closed).
     */
    public static KeyVaultClients clients(KeyVaultSettings settings) {
        synchronized (LOCK) {
            if (clients != null && clients.settings().equals(settings)) {
                return clients;
            }
            KeyVaultClients fresh = new KeyVaultClients(settings);
            replace(fresh);
            return fresh;
        }
    }

    /** The current clients, if any were created. */
    public static Optional<KeyVaultClients> currentClients() {
        synchronized (LOCK) {
            return Optional.ofNullable(clients);
        }
    }

    /** Stops refreshing and closes the clients (application shutdown). */
    public static void shutdown() {
        LiveReferences previous;
        synchronized (LOCK) {
            previous = liveReferences;
            liveReferences = null;
            replace(null);
        }
        closeQuietly(previous, null);
    }

    private static void replace(KeyVaultClients next) {
        KeyVaultClients previous = clients;
        clients = next;
        if (previous != null && previous != next) {
            try {
                previous.close();
            } catch (RuntimeException e) {
                LOG.debugf("Closing previous Key Vault clients failed: %s", e.toString());
            }
        }
    }
}
