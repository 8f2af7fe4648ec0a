package io.kvconfig.runtime.config;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertyName;

/**
 * Replaces the winning value of every property that is a {@code @kv:} reference with the secret's value.
 * <p>
 * All references are resolved in ONE batch the first time the complete config is used (the first
 * {@code iterateNames}, which SmallRye's mapping does while the runtime config is built, or the first read of a
 * referenced property), never one request per property; values are then cached for the life of this config.
 * Lookups are matched by reference, so {@code GITHUB_TOKEN} and {@code github.token} (the same environment
 * variable or {@code .env} entry) both resolve.
 */
final class KvConfigInterceptor implements ConfigSourceInterceptor {

    private static final long serialVersionUID = 1L;

    private final transient Set<PropertyName> secretKeys;
    private final transient ReferenceBatch batch = new ReferenceBatch();
    private final transient Map<String, SecretReference> parsed = new ConcurrentHashMap<>();

    /**
     * @param secretKeys the builder's live secret-key set (SmallRye's secret-key interceptor and property-name
     *        filter read this same set), or {@code null} not to register resolved names as secret keys
     */
    KvConfigInterceptor(Set<PropertyName> secretKeys) {
        this.secretKeys = secretKeys;
    }

    @Override
    public ConfigValue getValue(ConfigSourceInterceptorContext context, String name) {
        ConfigValue value = context.proceed(name);
        if (value == null || value.getValue() == null || !SecretReferenceParser.isReference(value.getValue())) {
            return value;
        }
        ReferenceBatch.Result result = batch.ensureResolved(context, this::addSecretKeys);
        if (!result.enabled() || !result.selected(name) || result.lists().contains(name)) {
            return value;
        }
        SecretReference reference = parse(value.getValue());
        Optional<String> secret = result.valueOf(reference)
                .orElseGet(() -> batch.resolveLate(context, name, reference, this::addSecretKeys));
        return secret.map(value::withValue).orElse(null);
    }

    @Override
    public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
        // SmallRye lists names (and filters secret keys) before mappings read values: resolving here registers
        // the resolved names as secret keys before the list is built
        batch.ensureResolved(context, this::addSecretKeys);
        return context.iterateNames();
    }

    private SecretReference parse(String text) {
        return parsed.computeIfAbsent(text, SecretReferenceParser::parse);
    }

    private void addSecretKeys(List<String> names) {
        if (secretKeys == null) {
            return;
        }
        for (String name : names) {
            secretKeys.add(PropertyName.name(name));
            String dotted = dottedForm(name);
            if (dotted != null) {
                secretKeys.add(PropertyName.name(dotted));
            }
        }
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
        Set<String> parents = new java.util.HashSet<>();
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
