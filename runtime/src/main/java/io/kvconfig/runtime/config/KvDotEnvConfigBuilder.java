package io.kvconfig.runtime.config;

import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.quarkus.runtime.configuration.ConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Adds the bash-format {@code .env} of the working directory (ordinal 296, above Quarkus's built-in
 * Java-properties reading of the same file at 295), for static init and runtime.
 */
public final class KvDotEnvConfigBuilder implements ConfigBuilder {
    @Override
    public SmallRyeConfigBuilder configBuilder(SmallRyeConfigBuilder builder) {
        return builder.withSources(DotEnvConfigSource.workingDirectory());
    }
}
