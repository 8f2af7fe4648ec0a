package io.kvconfig.runtime.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.SummaryLine;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * The one startup batch of a runtime config: which references exist, which are selected, their values. Values
 * live only here (and in the SmallRye values handed to the app), never in the published report.
 */
final class ReferenceBatch {

    private static final Logger LOG = Logger.getLogger("io.kvconfig");

    private static final String RESOLVE_ONLY = KvConfigMapping.RESOLVE_ONLY;

    /** Outcome of the batch; {@code values} maps a reference to its value, or to empty for a missing optional. */
    record Result(boolean enabled, Set<String> resolveOnly, Map<SecretReference, Optional<String>> values, Set<String> lists) {
        static final Result DISABLED = new Result(false, Set.of(), Map.of(), Set.of());

        boolean selected(String name) {
            return resolveOnly.isEmpty() || resolveOnly.contains(KvConfigMapping.envForm(name));
        }

        Optional<Optional<String>> valueOf(SecretReference reference) {
            return Optional.ofNullable(values.get(reference));
        }
    }

    private volatile Result result;
    private RuntimeException failure;
    private KeyVaultSettings settings;
    private long elapsedMillis;
    private final List<ReferenceStatus> statuses = new ArrayList<>();

    Result ensureResolved(ConfigSourceInterceptorContext context, Consumer<List<String>> secretKeys) {
        Result r = result;
        if (r != null) {
            return r;
        }
        synchronized (this) {
            if (failure != null) {
                // SmallRye and Quarkus may read the config again after the first error: fail the same way, once
                throw failure;
            }
            if (result == null) {
                try {
                    result = resolveAll(context, secretKeys);
                } catch (RuntimeException e) {
                    failure = e;
                    throw e;
                }
            }
            return result;
        }
    }

    /** A reference the batch did not see (e.g. a name only reachable by lookup): resolved on its own, cached. */
    synchronized Optional<String> resolveLate(ConfigSourceInterceptorContext context, String name, SecretReference reference,
            Consumer<List<String>> secretKeys) {
        Optional<String> known = result.values().get(reference);
        if (known != null) {
            return known;
        }
        Map<String, Optional<String>> values = Resolver.resolve(settings, lookup(context),
                Map.of(name, reference.toReferenceString())).values();
        Optional<String> value = values.get(name);
        Map<SecretReference, Optional<String>> all = new HashMap<>(result.values());
        all.put(reference, value);
        result = new Result(true, result.resolveOnly(), Map.copyOf(all), result.lists());
        statuses.add(status(name, reference, value));
        KvConfigRuntime.publishReport(Optional.of(settings), List.copyOf(statuses), elapsedMillis);
        // not added as a secret key: SmallRye reads that set without locking once the config is in use
        LOG.debugf("Resolved a late Key Vault reference for %s", name);
        return value;
    }

    private Result resolveAll(ConfigSourceInterceptorContext context, Consumer<List<String>> secretKeys) {
        Function<String, Optional<String>> lookup = lookup(context);
        KvConfigConfig config = KvConfigMapping.of(lookup);
        if (!config.enabled()) {
            return Result.DISABLED;
        }
        long start = System.nanoTime();
        settings = KeyVaultSettings.from(config);
        Set<String> resolveOnly = config.resolveOnly().map(ReferenceBatch::names).orElse(Set.of());
        boolean hide = config.hideResolvedValues();

        Map<String, String> found = KvConfigInterceptor.collectReferences(context);
        Set<String> lists = Set.copyOf(KvConfigInterceptor.indexedParents(iterable(context)));
        Map<String, String> selected = new LinkedHashMap<>();
        List<String> leftAlone = new ArrayList<>();
        Result probe = new Result(true, resolveOnly, Map.of(), Set.of());
        for (Map.Entry<String, String> e : found.entrySet()) {
            if (!probe.selected(e.getKey())) {
                leftAlone.add(e.getKey());
                statuses.add(new ReferenceStatus(e.getKey(), e.getValue(), null, null, ReferenceStatus.Status.LEFT_ALONE,
                        "not listed in " + RESOLVE_ONLY));
                continue;
            }
            selected.put(e.getKey(), e.getValue());
        }

        Map<SecretReference, Optional<String>> values = new HashMap<>();
        List<String> optionalMissing = new ArrayList<>();
        long secrets = 0;
        Resolution.Stats stats = Resolution.empty().stats();
        if (!selected.isEmpty()) {
            // one batch: malformed references, a missing vault and every fetch failure end up in ONE error
            Resolver.Outcome outcome = Resolver.resolve(settings, lookup, selected);
            stats = outcome.stats();
            Map<String, Optional<String>> byProperty = outcome.values();
            for (Map.Entry<String, String> e : selected.entrySet()) {
                SecretReference ref = SecretReferenceParser.parse(e.getValue());
                Optional<String> v = byProperty.getOrDefault(e.getKey(), Optional.empty());
                values.put(ref, v);
                statuses.add(status(e.getKey(), ref, v));
                if (v.isEmpty()) {
                    optionalMissing.add(e.getKey() + " (secret '" + ref.name() + "')");
                }
            }
            secrets = values.keySet().stream().map(r -> (r.vaultUrlOr(settings.vaultUrl().orElse("")) + "/" + r.name()
                    + "/" + r.version()).toLowerCase(java.util.Locale.ROOT)).distinct().count();
            if (hide) {
                secretKeys.accept(List.copyOf(selected.keySet()));
            }
        }
        long elapsed = elapsed(start);
        elapsedMillis = elapsed;
        KvConfigRuntime.publishReport(Optional.of(settings), List.copyOf(statuses), elapsed);
        // the ONE startup line (the resolver logs its own figures at DEBUG only); parsed by the benchmarks
        LOG.info(startupLine(selected.size(), secrets, elapsed, stats, leftAlone, optionalMissing));
        return new Result(true, resolveOnly, Map.copyOf(values), lists);
    }

    /**
     * {@code Key Vault: resolved N references to M secrets in T ms (fetch F ms, R requests)}, then what was left
     * alone by {@code resolve-only} and which optional references were not found (names only, never values).
     */
    static String startupLine(long references, long secrets, long elapsedMillis, Resolution.Stats stats,
            List<String> leftAlone, List<String> optionalMissing) {
        List<String> notes = new ArrayList<>();
        if (!leftAlone.isEmpty()) {
            notes.add("left alone (not in " + RESOLVE_ONLY + "): " + String.join(", ", leftAlone));
        }
        if (!optionalMissing.isEmpty()) {
            notes.add("optional, not found (left unset): " + String.join(", ", optionalMissing));
        }
        return SummaryLine.of(references, secrets, elapsedMillis, stats, notes);
    }

    private ReferenceStatus status(String property, SecretReference ref, Optional<String> value) {
        String vault = ref.vaultUrlOr(settings.vaultUrl().orElse(null));
        return value.isPresent()
                ? new ReferenceStatus(property, ref.toReferenceString(), ref.name(), vault, ReferenceStatus.Status.RESOLVED, "")
                : new ReferenceStatus(property, ref.toReferenceString(), ref.name(), vault,
                        ReferenceStatus.Status.OPTIONAL_MISSING, "optional secret not found; property left unset");
    }

    private static Set<String> names(List<String> list) {
        Set<String> out = new HashSet<>();
        for (String part : list) {
            if (!part.isBlank()) {
                out.add(KvConfigMapping.envForm(part.strip()));
            }
        }
        return Set.copyOf(out);
    }

    private static List<String> iterable(ConfigSourceInterceptorContext context) {
        List<String> names = new ArrayList<>();
        context.iterateNames().forEachRemaining(names::add);
        return names;
    }

    private static Function<String, Optional<String>> lookup(ConfigSourceInterceptorContext context) {
        return name -> Optional.ofNullable(context.proceed(name)).map(ConfigValue::getValue);
    }

    private static long elapsed(long startNanos) {
        return (System.nanoTime() - startNanos) / 1_000_000;
    }
}
