package io.kvconfig.runtime.config;

import java.util.OptionalInt;
import java.util.Set;

import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigSourceInterceptorContext;
import io.smallrye.config.ConfigSourceInterceptorFactory;
import io.smallrye.config.Priorities;
import io.smallrye.config.PropertyName;

/**
 * Creates the {@code @kv:} interceptor for the RUNTIME config only (registered by {@link KvConfigRuntimeConfigBuilder}),
 * so nothing is resolved at build time or static init.
 */
public final class KvConfigInterceptorFactory implements ConfigSourceInterceptorFactory {

    /**
     * Above SmallRye's expression (LIBRARY + 300) and profile (LIBRARY + 200) interceptors, so the interceptor sees
     * the final value ({@code ${OTHER}} expanding to a reference, {@code %dev.} values), and above the secret-key
     * interceptor (LIBRARY + 100); below application interceptors.
     */
    public static final int PRIORITY = Priorities.LIBRARY + 400;

    private final Set<PropertyName> secretKeys;

    public KvConfigInterceptorFactory(Set<PropertyName> secretKeys) {
        this.secretKeys = secretKeys;
    }

    @Override
    public ConfigSourceInterceptor getInterceptor(ConfigSourceInterceptorContext context) {
        // nothing is read here: this context lacks the late sources (application.properties, YAML); the batch runs
        // on first use of the complete config
        return new KvConfigInterceptor(secretKeys);
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(PRIORITY);
    }
}
