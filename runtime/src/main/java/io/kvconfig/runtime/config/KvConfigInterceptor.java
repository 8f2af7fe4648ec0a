package io.kvconfig.runtime.config;

import java.util.Iterator;
import java.util.List;
import java.util.Set;

import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.PropertyName;
import io.smallrye.config.SecretKeys;

/**
 * Replaces the winning value of every property that is a {@code @kv:} reference with the secret's value.
 * <p>
 * All references are resolved in ONE batch the first time the complete config is used (the first
 * {@code iterateNames}, which SmallRye's mapping does while the runtime config is built, or the first read of a
 * referenced property), never one request per property; values are then cached for the life of this config, and
 * replaced only by a refresh that saw a new version of their secret ({@code io.kvconfig.runtime.refresh.Refresher}).
 * Lookups are matched by reference, so {@code GITHUB_TOKEN} and {@code github.token} (the same environment
 * variable or {@code .env} entry) both resolve.
 */
final class KvConfigInterceptor implements ConfigSourceInterceptor {

    private static final long serialVersionUID = 1L;

    private final transient Set<PropertyName> secretKeys;
    private final transient ReferenceBatch batch = new ReferenceBatch();

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
        if (secretKeys != null && result.hide() && SecretKeys.isLocked()) {
            // the batch's names never get here locked: SmallRye's secret-key interceptor (below this one) refused them.
            // A name only reachable by lookup (resolved late) is not in that set, which SmallRye reads without locking
            // once the config is in use, so it is not added to; it is refused here the same way instead
            throw new SecurityException("SRCFG00024: Not allowed to access secret key " + name);
        }
        return batch.valueOf(name, value.getValue()).map(value::withValue).orElse(null);
    }

    @Override
    public Iterator<String> iterateNames(ConfigSourceInterceptorContext context) {
        // SmallRye lists names (and filters secret keys) before mappings read values: resolving here registers
        // the resolved names as secret keys before the list is built
        batch.ensureResolved(context, this::addSecretKeys);
        return context.iterateNames();
    }

    private void addSecretKeys(List<String> names) {
        if (secretKeys == null) {
            return;
        }
        for (String name : names) {
            secretKeys.add(PropertyName.name(name));
            String dotted = ReferenceBatch.dottedForm(name);
            if (dotted != null) {
                secretKeys.add(PropertyName.name(dotted));
            }
        }
    }

}
