package io.kvconfig.runtime.resolve;

import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The outcome of one batch: resolved values by property, failures, optional references left unset, stats, and the
 * version id the vault returned for each resolved property (what a refresh compares; not secret).
 * {@code toString} (also of {@link #values()}) never prints a value.
 */
public record Resolution(Map<String, String> values, List<ResolutionFailure> failures, List<ResolutionFailure> skipped,
        Stats stats, Map<String, String> versions) {

    /**
     * @param references properties holding a reference
     * @param distinctSecrets distinct (vault, name, version) triples
     * @param resolvedSecrets of those, the ones whose value was read (not an optional secret that was not found)
     * @param requestsSent secret GET attempts sent, retries included (the SDK's 401 challenge round trip and token
     *        requests are not counted)
     * @param elapsedMillis wall time of the batch
     */
    public record Stats(int references, int distinctSecrets, int resolvedSecrets, int requestsSent, long elapsedMillis) {

        /** Figures where every distinct secret resolved. */
        public Stats(int references, int distinctSecrets, int requestsSent, long elapsedMillis) {
            this(references, distinctSecrets, distinctSecrets, requestsSent, elapsedMillis);
        }
    }

    public Resolution {
        values = new HiddenValues(values);
        failures = List.copyOf(failures);
        skipped = List.copyOf(skipped);
        versions = Map.copyOf(versions);
    }

    /** A resolution whose versions are not known (reports, tests). */
    public Resolution(Map<String, String> values, List<ResolutionFailure> failures, List<ResolutionFailure> skipped,
            Stats stats) {
        this(values, failures, skipped, stats, Map.of());
    }

    public static Resolution empty() {
        return new Resolution(Map.of(), List.of(), List.of(), new Stats(0, 0, 0, 0));
    }

    public boolean successful() {
        return failures.isEmpty();
    }

    /** This resolution if every reference resolved (or was optional and missing). */
    public Resolution orThrow() {
        if (!failures.isEmpty()) {
            throw new ResolutionFailedException(this);
        }
        return this;
    }

    /**
     * The aggregated failure text, never a value; empty when successful. One line per failed reference; references
     * that failed for the same reason (one missing vault setting, one untrusted certificate) share one entry, so the
     * reason and its hint are said once.
     */
    public String failureReport() {
        if (failures.isEmpty()) {
            return "";
        }
        StringBuilder sb = new StringBuilder("Could not resolve ").append(failures.size()).append(" of ")
                .append(stats.references()).append(" Key Vault reference").append(stats.references() == 1 ? "" : "s")
                .append(':');
        Map<List<Object>, List<ResolutionFailure>> byReason = new LinkedHashMap<>();
        for (ResolutionFailure f : failures) {
            byReason.computeIfAbsent(List.of(f.kind(), String.valueOf(f.message())), k -> new ArrayList<>()).add(f);
        }
        for (List<ResolutionFailure> same : byReason.values()) {
            if (same.size() == 1) {
                sb.append("\n  - ").append(same.get(0).describe());
                continue;
            }
            ResolutionFailure first = same.get(0);
            sb.append("\n  - ").append(first.kind().words()).append(" - ").append(first.message()).append(':');
            for (ResolutionFailure f : same) {
                sb.append("\n      ").append(f.where());
            }
        }
        return sb.toString();
    }

    @Override
    public String toString() {
        return "Resolution[values=" + values + ", failures=" + failures + ", skipped=" + skipped + ", stats=" + stats + "]";
    }

    /** Read-only, insertion-ordered map whose toString shows keys only. */
    static final class HiddenValues extends AbstractMap<String, String> {
        private final Map<String, String> delegate;

        HiddenValues(Map<String, String> values) {
            this.delegate = values instanceof HiddenValues h ? h.delegate
                    : Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        @Override
        public Set<Entry<String, String>> entrySet() {
            return delegate.entrySet();
        }

        @Override
        public String get(Object key) {
            return delegate.get(key);
        }

        @Override
        public boolean containsKey(Object key) {
            return delegate.containsKey(key);
        }

        @Override
        public String toString() {
            List<String> keys = new ArrayList<>(delegate.keySet());
            return keys.isEmpty() ? "{}" : "{" + String.join("=***, ", keys) + "=***}";
        }
    }
}
