package io.kvconfig.runtime.config;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.SummaryLine;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.quarkus.runtime.LaunchMode;
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
    }

    private volatile Result result;
    private RuntimeException failure;
    private KeyVaultSettings settings;
    private FirewallSettings firewall;
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

    /** The value of {@code reference} (empty: an optional secret not found); call after {@link #ensureResolved}. */
    Optional<String> valueOf(String name, SecretReference reference) {
        Optional<String> known = result.values().get(reference);
        return known != null ? known : resolveLate(name, reference);
    }

    /** A reference the batch did not see (e.g. a name only reachable by lookup): resolved on its own, cached. */
    private synchronized Optional<String> resolveLate(String name, SecretReference reference) {
        Optional<String> known = result.values().get(reference);
        if (known != null) {
            return known;
        }
        Map<String, Optional<String>> values = resolve(Map.of(name, reference.toReferenceString())).values();
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
        KvConfigConfig config = KvConfigMapping.of(lookup(context));
        if (!config.enabled()) {
            return Result.DISABLED;
        }
        long start = System.nanoTime();
        settings = KeyVaultSettings.from(config);
        firewall = FirewallSettings.from(config);
        Set<String> resolveOnly = config.resolveOnly().map(ReferenceBatch::names).orElse(Set.of());
        boolean hide = config.hideResolvedValues();

        Map<String, String> found = collectReferences(context);
        Set<String> lists = Set.copyOf(indexedParents(iterable(context)));
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
        Resolution.Stats stats = Resolution.empty().stats();
        if (!selected.isEmpty()) {
            // one batch: malformed references, a missing vault and every fetch failure end up in ONE error
            Outcome outcome = resolve(selected);
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
            if (hide) {
                secretKeys.accept(List.copyOf(selected.keySet()));
            }
        }
        long elapsed = elapsed(start);
        elapsedMillis = elapsed;
        KvConfigRuntime.publishReport(Optional.of(settings), List.copyOf(statuses), elapsed);
        // the ONE startup line (the resolver logs its own figures at DEBUG only); parsed by the benchmarks
        LOG.info(startupLine(selected.size(), stats.distinctSecrets(), elapsed, stats, leftAlone, optionalMissing));
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

    /** By property, the value or empty for a missing optional secret; and the resolver's figures. */
    private record Outcome(Map<String, Optional<String>> values, Resolution.Stats stats) {
    }

    /**
     * One batch through THE resolver with the shared clients (and allowlisting when configured).
     *
     * @param rawValues property -> {@code @kv:} text (malformed ones are reported in the same aggregated error)
     * @throws io.kvconfig.runtime.resolve.ResolutionFailedException listing every failed reference, never a value
     */
    private Outcome resolve(Map<String, String> rawValues) {
        Resolution resolution = ResolverFactory.create(KvConfigRuntime.clients(settings), settings, firewall,
                LaunchMode.current().isDevOrTest()).resolveValues(rawValues).orThrow();
        Map<String, Optional<String>> out = new LinkedHashMap<>();
        for (String property : rawValues.keySet()) {
            out.put(property, Optional.ofNullable(resolution.values().get(property)));
        }
        return new Outcome(out, resolution.stats());
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

    /** {@code GITHUB_TOKEN} -> {@code github.token}, the name an app usually injects an env-style key as. */
    static String dottedForm(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (!(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_')) {
                return null;
            }
        }
        return name.toLowerCase(Locale.ROOT).replace('_', '.');
    }

    /** Collects the winning reference of every property visible through {@code context}, profiles applied. */
    static Map<String, String> collectReferences(ConfigSourceInterceptorContext context) {
        Map<String, String> references = new LinkedHashMap<>();
        List<String> names = new ArrayList<>();
        context.iterateNames().forEachRemaining(names::add);
        Set<String> lists = indexedParents(names);
        for (String name : names) {
            if (name.startsWith("%")) {
                continue; // another profile's value; the active one is listed under the plain name
            }
            if (lists.contains(name)) {
                continue; // YAML's comma-joined view of a list: the elements (name[0], ...) are resolved one by one
            }
            ConfigValue value;
            try {
                value = context.proceed(name);
            } catch (RuntimeException e) {
                continue; // e.g. an unresolvable expression: reading the property reports it
            }
            if (value != null && value.getValue() != null && SecretReferenceParser.isReference(value.getValue())) {
                references.put(name, value.getValue());
            }
        }
        return withoutAliases(references);
    }

    /**
     * SmallRye lists an environment variable (or bash {@code .env} entry) such as {@code GITHUB_TOKEN} also under the
     * dotted name it matches ({@code github.token}): names that denote the same property (the same environment-variable
     * form, SmallRye's rule) holding the same reference are ONE reference, counted once in the batch, its error and its
     * startup line. The name kept is the one as written in the source: the environment-variable spelling when there is
     * one (that is the spelling SmallRye derives the dotted alias from), else the first listed. "The same reference"
     * compares the parsed reference, so spellings of one reference that differ only in surrounding blanks (a CRLF
     * line, a trailing space) collapse too; lookups by either name resolve by reference, and the dotted form is
     * registered as a secret key as well.
     */
    static Map<String, String> withoutAliases(Map<String, String> references) {
        Map<List<Object>, String> chosen = new LinkedHashMap<>(); // (env form, reference) -> name
        for (Map.Entry<String, String> e : references.entrySet()) {
            List<Object> key = List.of(KvConfigMapping.envForm(e.getKey()), referenceKey(e.getValue()));
            String current = chosen.get(key);
            if (current == null || (dottedForm(e.getKey()) != null && dottedForm(current) == null)) {
                chosen.put(key, e.getKey());
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : chosen.values()) {
            out.put(name, references.get(name));
        }
        return out;
    }

    /** The parsed reference, or the stripped text of a malformed one (reported once, by the batch). */
    private static Object referenceKey(String raw) {
        try {
            return SecretReferenceParser.parse(raw);
        } catch (InvalidReferenceException e) {
            return raw.strip();
        }
    }

    /** {@code a.b} for every {@code a.b[0]}-style name: SmallRye/YAML also expose such a list as one joined value. */
    static Set<String> indexedParents(Iterable<String> names) {
        Set<String> parents = new HashSet<>();
        for (String name : names) {
            if (name.endsWith("]")) {
                int open = name.lastIndexOf('[');
                if (open > 0 && name.substring(open + 1, name.length() - 1).chars().allMatch(Character::isDigit)
                        && open + 1 < name.length() - 1) {
                    parents.add(name.substring(0, open));
                }
            }
        }
        return parents;
    }
}
