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
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.refresh.RefreshableBatch;
import io.kvconfig.runtime.refresh.Refresher;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.ResolutionFailure;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.resolve.SummaryLine;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.quarkus.runtime.LaunchMode;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;

/**
 * The one startup batch of a runtime config: which references exist, which are selected, their values. Each
 * reference text is parsed ONCE (here, kept by text) and the batch is keyed by the parsed {@link SecretReference}:
 * aliases, the resolver, the report and the interceptor's lookups all use that one parse. Values live only here (and
 * in the SmallRye values handed to the app), never in the published report. A refresh swaps in new values
 * ({@link #update}); it reads the references through this batch ({@link RefreshableBatch}).
 */
final class ReferenceBatch implements RefreshableBatch {

    private static final Logger LOG = Logger.getLogger("io.kvconfig");

    private static final String RESOLVE_ONLY = KvConfigMapping.RESOLVE_ONLY;

    /**
     * Outcome of the batch; {@code values} maps a reference to its value, or to empty for a missing optional (swapped
     * for a newer map by a refresh); {@code hide}: {@code quarkus.kvconfig.hide-resolved-values}.
     */
    record Result(boolean enabled, Set<String> resolveOnly, Map<SecretReference, Optional<String>> values, Set<String> lists,
            boolean hide) {
        static final Result DISABLED = new Result(false, Set.of(), Map.of(), Set.of(), false);

        Result withValues(Map<SecretReference, Optional<String>> newValues) {
            return new Result(enabled, resolveOnly, Map.copyOf(newValues), lists, hide);
        }

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
    /** Every reference text seen, parsed once (see {@link #parse}). */
    private final Map<String, Object> parsed = new ConcurrentHashMap<>();
    /** The properties holding each resolved reference (the batch's, then late ones), in order. Guarded by this. */
    private final Map<SecretReference, List<String>> propertiesOf = new LinkedHashMap<>();
    /** The version last read of each resolved reference (what a refresh compares). */
    private final Map<SecretReference, String> versions = new ConcurrentHashMap<>();
    /** Property name (as resolved, and its environment-variable form) -> its reference, for {@link #current}. */
    private final Map<String, SecretReference> byName = new ConcurrentHashMap<>();

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

    /**
     * The value of the reference written {@code text} (empty: an optional secret not found); call after
     * {@link #ensureResolved}.
     *
     * @throws InvalidReferenceException when {@code text} is not a valid reference
     */
    Optional<String> valueOf(String name, String text) {
        if (!(parse(text) instanceof SecretReference reference)) {
            throw new InvalidReferenceException(((InvalidReferenceException) parse(text)).getMessage());
        }
        Optional<String> known = result.values().get(reference);
        return known != null ? known : resolveLate(name, reference);
    }

    /** {@code text} parsed at most once: its {@link SecretReference}, or the {@link InvalidReferenceException}. */
    private Object parse(String text) {
        return parsed.computeIfAbsent(text, ReferenceBatch::parseOrError);
    }

    private static Object parseOrError(String text) {
        try {
            return SecretReferenceParser.parse(text);
        } catch (InvalidReferenceException e) {
            return e;
        }
    }

    /** A reference the batch did not see (e.g. a name only reachable by lookup): resolved on its own, cached. */
    private synchronized Optional<String> resolveLate(String name, SecretReference reference) {
        Optional<String> known = result.values().get(reference);
        if (known != null) {
            return known;
        }
        Resolution resolution = resolver().resolve(Map.of(name, reference)).orThrow();
        Optional<String> value = Optional.ofNullable(resolution.values().get(name));
        Map<SecretReference, Optional<String>> all = new HashMap<>(result.values());
        all.put(reference, value);
        remember(name, reference, resolution.versions().get(name));
        result = result.withValues(all);
        statuses.add(status(name, reference, value));
        KvConfigRuntime.publishReport(Optional.of(settings), List.copyOf(statuses), elapsedMillis);
        LOG.debugf("Resolved a late Key Vault reference for %s", name);
        return value;
    }

    /** Records where a resolved reference is used and the version read. Call holding this. */
    private void remember(String property, SecretReference reference, String version) {
        propertiesOf.computeIfAbsent(reference, r -> new ArrayList<>()).add(property);
        byName.put(property, reference);
        byName.putIfAbsent(KvConfigMapping.envForm(property), reference);
        if (version != null) {
            versions.put(reference, version);
        }
    }

    // ---- RefreshableBatch: what the refresher reads and swaps ----

    @Override
    public synchronized List<Entry> refreshable() {
        Result r = result;
        if (r == null || !r.enabled()) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        propertiesOf.forEach((ref, properties) -> {
            Optional<String> v = r.values().get(ref);
            if (ref.version() == null && v != null && v.isPresent()) {
                out.add(new Entry(ref, ref.vaultUrlOr(settings.vaultUrl().orElse(null)), properties, versions.get(ref)));
            }
        });
        return out;
    }

    @Override
    public Optional<String> value(SecretReference reference) {
        Result r = result;
        Optional<String> v = r == null ? null : r.values().get(reference);
        return v == null ? Optional.empty() : v;
    }

    @Override
    public Optional<String> current(String property) {
        SecretReference ref = byName.get(property);
        if (ref == null) {
            ref = byName.get(KvConfigMapping.envForm(property));
        }
        return ref == null ? Optional.empty() : value(ref);
    }

    @Override
    public synchronized void update(Map<SecretReference, Fetched> fresh) {
        Map<SecretReference, Optional<String>> all = new HashMap<>(result.values());
        fresh.forEach((ref, f) -> {
            all.put(ref, Optional.of(f.value()));
            if (f.version() != null) {
                versions.put(ref, f.version());
            }
        });
        result = result.withValues(all);
    }

    @Override
    public SecretResolver refreshResolver() {
        return ResolverFactory.forRefresh(KvConfigRuntime.clients(settings), settings, firewall, LaunchMode.current().isDevOrTest());
    }

    /** THE resolver with the shared clients (and allowlisting when configured). */
    private SecretResolver resolver() {
        return ResolverFactory.create(KvConfigRuntime.clients(settings), settings, firewall, LaunchMode.current().isDevOrTest());
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

        List<String> names = new ArrayList<>();
        context.iterateNames().forEachRemaining(names::add);
        Set<String> lists = indexedParents(names);
        Result probe = new Result(true, resolveOnly, Map.of(), lists, false);
        // property -> reference, each text parsed once; the malformed ones go into the same aggregated error
        Map<String, SecretReference> selected = new LinkedHashMap<>();
        List<ResolutionFailure> invalid = new ArrayList<>();
        List<String> leftAlone = new ArrayList<>();
        withoutAliases(collectReferences(context, names, lists), this::parse).forEach((property, text) -> {
            if (!probe.selected(property)) {
                leftAlone.add(property);
                statuses.add(new ReferenceStatus(property, text, null, null, ReferenceStatus.Status.LEFT_ALONE,
                        "not listed in " + RESOLVE_ONLY));
            } else if (parse(text) instanceof SecretReference ref) {
                selected.put(property, ref);
            } else {
                invalid.add(SecretResolver.invalidReference(property, (InvalidReferenceException) parse(text)));
            }
        });

        Map<SecretReference, Optional<String>> values = new HashMap<>();
        Resolution resolution = Resolution.empty();
        if (!selected.isEmpty() || !invalid.isEmpty()) {
            // one batch: malformed references, a missing vault and every fetch failure end up in ONE error
            resolution = resolver().resolve(selected, invalid).orThrow();
            for (Map.Entry<String, SecretReference> e : selected.entrySet()) {
                Optional<String> v = Optional.ofNullable(resolution.values().get(e.getKey()));
                values.put(e.getValue(), v);
                statuses.add(status(e.getKey(), e.getValue(), v));
                remember(e.getKey(), e.getValue(), resolution.versions().get(e.getKey()));
            }
            if (config.hideResolvedValues()) {
                secretKeys.accept(List.copyOf(selected.keySet()));
            }
        }
        long elapsed = elapsed(start);
        elapsedMillis = elapsed;
        KvConfigRuntime.publishReport(Optional.of(settings), List.copyOf(statuses), elapsed);
        // the ONE startup line (the resolver logs its own figures at DEBUG only); parsed by the benchmarks
        List<String> notes = new ArrayList<>();
        if (!leftAlone.isEmpty()) {
            notes.add("left alone (not in " + RESOLVE_ONLY + "): " + String.join(", ", leftAlone));
        }
        String optionalMissing = SummaryLine.optionalMissing(resolution.skipped());
        if (optionalMissing != null) {
            notes.add(optionalMissing);
        }
        LOG.info(SummaryLine.of(resolution.values().size(), resolution.stats().resolvedSecrets(), elapsed,
                resolution.stats(), notes));
        // the KeyVault bean's current(...) and refresh(...) work on this batch from now on
        KvConfigRuntime.publishLiveReferences(new Refresher(this));
        return new Result(true, resolveOnly, Map.copyOf(values), lists, config.hideResolvedValues());
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

    /** The winning {@code @kv:} text of every property in {@code names} (profiles applied, YAML list views skipped). */
    private static Map<String, String> collectReferences(ConfigSourceInterceptorContext context, List<String> names,
            Set<String> lists) {
        Map<String, String> references = new LinkedHashMap<>();
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
        return references;
    }

    /** {@link #withoutAliases(Map, Function)} parsing each text on its own (tests). */
    static Map<String, String> withoutAliases(Map<String, String> references) {
        return withoutAliases(references, ReferenceBatch::parseOrError);
    }

    /**
     * SmallRye lists an environment variable (or bash {@code .env} entry) such as {@code GITHUB_TOKEN} also under the
     * dotted name it matches ({@code github.token}): names that denote the same property (the same environment-variable
     * form, SmallRye's rule) holding the same reference are ONE reference, counted once in the batch, its error and its
     * startup line. The name kept is the one as written in the source: the environment-variable spelling when there is
     * one (that is the spelling SmallRye derives the dotted alias from), else the first listed. "The same reference"
     * compares the parsed reference, so spellings of one reference that differ only in surrounding blanks (a CRLF
     * line, a trailing space) collapse too (a malformed one compares by its stripped text); lookups by either name
     * resolve by reference, and the dotted form is registered as a secret key as well.
     *
     * @param parse text -> its {@link SecretReference}, or anything else for a malformed one
     */
    static Map<String, String> withoutAliases(Map<String, String> references, Function<String, Object> parse) {
        Map<List<Object>, String> chosen = new LinkedHashMap<>(); // (env form, reference) -> name
        for (Map.Entry<String, String> e : references.entrySet()) {
            Object parsedRef = parse.apply(e.getValue());
            Object key = parsedRef instanceof SecretReference ? parsedRef : e.getValue().strip();
            List<Object> k = List.of(KvConfigMapping.envForm(e.getKey()), key);
            String current = chosen.get(k);
            if (current == null || (dottedForm(e.getKey()) != null && dottedForm(current) == null)) {
                chosen.put(k, e.getKey());
            }
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String name : chosen.values()) {
            out.put(name, references.get(name));
        }
        return out;
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
