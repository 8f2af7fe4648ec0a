package io.kvconfig.runtime.config;

import io.quarkus.runtime.configuration.ConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Registers the {@code @kv:} interceptor in the runtime config (RunTimeConfigBuilderBuildItem). */
public final class KvConfigRuntimeConfigBuilder implements ConfigBuilder {
    @Override
    public SmallRyeConfigBuilder configBuilder(SmallRyeConfigBuilder builder) {
        // the live set: SmallRye's secret-key interceptor and property-name filter read this same instance, so names
        // added after resolution are hidden too
        // the original design's bare names (KEY_VAULT_URL, ...) as fallbacks of the quarkus.kvconfig.* names, so the
        // app's KvConfigConfig sees them too
        return builder.withInterceptors(KvConfigMapping.fallbacks())
                .withInterceptorFactories(new KvConfigInterceptorFactory(builder.getSecretKeys()));
    }
}
