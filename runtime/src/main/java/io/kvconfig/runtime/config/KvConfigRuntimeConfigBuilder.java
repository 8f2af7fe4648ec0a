package io.kvconfig.runtime.config;

import io.quarkus.runtime.configuration.ConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilder;

/** Registers the {@code @kv:} interceptor in the runtime config (RunTimeConfigBuilderBuildItem). */
public final class KvConfigRuntimeConfigBuilder implements ConfigBuilder {
    @Override
    public SmallRyeConfigBuilder configBuilder(SmallRyeConfigBuilder builder) {
        // the live set: SmallRye's secret-key interceptor and property-name filter read this same instance, so names
        // added after resolution are hidden too
        return builder.withInterceptorFactories(new KvConfigInterceptorFactory(builder.getSecretKeys()));
    }
}
