package io.kvconfig.runtime.metrics;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

import io.kvconfig.runtime.vault.FailureKind;

/**
 * The extension's counters, kept in plain JDK types: the startup batch runs inside the config interceptor, before
 * CDI and Micrometer exist, so it counts here and {@link KvConfigMeterBinder} (a bean only when the application has
 * Micrometer) exposes these counters as Micrometer meters once the registry exists. Without Micrometer nothing reads
 * them; counting is a {@link LongAdder} increment. Counters are per process (a dev-mode restart keeps them, as a
 * process counter should). Tags never hold a secret value or secret name: only bounded vocabularies (operation,
 * outcome, reason, result).
 */
public final class KvConfigMetrics {

    /** Key Vault requests: tags {@code operation}, {@code outcome}. */
    public static final String REQUESTS = "kvconfig.keyvault.requests";
    /** Retries the resolver scheduled after a failed request: tags {@code operation}, {@code reason}. */
    public static final String RETRIES = "kvconfig.keyvault.retries";
    /** Firewall allowlisting runs: tag {@code result}. */
    public static final String ALLOWLISTING = "kvconfig.firewall.allowlisting";
    /** The service's write_env (settings) requests: tag {@code outcome}. */
    public static final String SETTINGS_WRITES = "kvconfig.settings.writes";
    /** Refreshes of the references (timed, on demand, on a change event): tag {@code result}. */
    public static final String REFRESHES = "kvconfig.refresh.runs";
    /** Secrets a refresh found with a new version (their new value is served from then on). */
    public static final String REFRESH_UPDATES = "kvconfig.refresh.updated-secrets";

    public static final String GET_SECRET = "get-secret";
    public static final String SET_SECRET = "set-secret";
    public static final String DELETE_SECRET = "delete-secret";
    public static final String CHALLENGE = "challenge";
    public static final String TOKEN = "token";
    public static final String OTHER = "other";

    public static final String SUCCESS = "success";
    public static final String THROTTLED = "throttled";
    /** No HTTP answer: connection refused or dropped, TLS failure, and so on. */
    public static final String ERROR = "error";
    /** The caller gave up waiting (the resolver's per-attempt timeout or deadline). */
    public static final String CANCELLED = "cancelled";

    /** A counter's identity: name and tags as key, value, key, value... (a fixed order per name). */
    public record Id(String name, List<String> tags) {
        public Id {
            Objects.requireNonNull(name, "name");
            tags = List.copyOf(tags);
            if (tags.size() % 2 != 0) {
                throw new IllegalArgumentException("tags come in key/value pairs: " + tags);
            }
        }
    }

    private static final Map<Id, LongAdder> COUNTERS = new ConcurrentHashMap<>();
    private static final List<BiConsumer<Id, LongAdder>> LISTENERS = new CopyOnWriteArrayList<>();

    private KvConfigMetrics() {
    }

    /** One Key Vault request and how it ended (see {@link #outcome(int)}). */
    public static void request(String operation, String outcome) {
        increment(new Id(REQUESTS, List.of("operation", operation, "outcome", outcome)));
    }

    /** The resolver scheduled another attempt of {@code operation} after a failure of this kind. */
    public static void retry(String operation, FailureKind reason) {
        increment(new Id(RETRIES, List.of("operation", operation, "reason", tagValue(reason.name()))));
    }

    /** One firewall allowlisting run: {@code added}, {@code already-present} or {@code failed}. */
    public static void allowlisting(String result) {
        increment(new Id(ALLOWLISTING, List.of("result", result)));
    }

    /**
     * One write_env request of the service and how it ended, e.g. {@code success}, {@code rejected} (an answer 4xx),
     * {@code failed} (5xx). Callable whether or not Micrometer is present.
     */
    public static void settingsWrite(String outcome) {
        increment(new Id(SETTINGS_WRITES, List.of("outcome", outcome)));
    }

    /**
     * One refresh that re-read at least one reference: {@code success} when every one read, else {@code failed} (the
     * failed ones keep their last good value); {@code updatedSecrets} of them had a new version.
     */
    public static void refresh(boolean failed, int updatedSecrets) {
        increment(new Id(REFRESHES, List.of("result", failed ? "failed" : SUCCESS)));
        if (updatedSecrets > 0) {
            add(new Id(REFRESH_UPDATES, List.of()), updatedSecrets);
        }
    }

    /** The {@code outcome} tag of an HTTP answer: success (2xx), throttled (429), else the status code. */
    public static String outcome(int status) {
        if (status >= 200 && status < 300) {
            return SUCCESS;
        }
        return status == 429 ? THROTTLED : Integer.toString(status);
    }

    /** The current value of a counter (0 if it was never incremented). */
    public static long count(String name, String... tags) {
        LongAdder a = COUNTERS.get(new Id(name, List.of(tags)));
        return a == null ? 0 : a.sum();
    }

    /**
     * Calls {@code listener} for every counter now, and for each new counter when it first appears; returns the
     * handle that stops the calls.
     */
    public static Runnable listen(BiConsumer<Id, LongAdder> listener) {
        LISTENERS.add(listener);
        COUNTERS.forEach(listener);
        return () -> LISTENERS.remove(listener);
    }

    private static void increment(Id id) {
        add(id, 1);
    }

    private static void add(Id id, long n) {
        LongAdder existing = COUNTERS.get(id);
        if (existing != null) {
            existing.add(n);
            return;
        }
        LongAdder created = new LongAdder();
        LongAdder prior = COUNTERS.putIfAbsent(id, created);
        if (prior != null) {
            prior.add(n);
            return;
        }
        created.add(n);
        for (BiConsumer<Id, LongAdder> l : LISTENERS) {
            l.accept(id, created);
        }
    }

    /** {@code FIREWALL_BLOCKED} -> {@code firewall-blocked} (the form the health check uses). */
    public static String tagValue(String enumName) {
        return enumName.toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
