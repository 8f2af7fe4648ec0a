package io.kvconfig.service;

import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.smallrye.config.ConfigSourceContext;
import io.smallrye.config.ConfigSourceFactory;
import io.smallrye.config.ConfigValue;

/**
 * Makes the service's {@code .env} ({@code kvconfig.service.env-file}) a config source, read in the bash format
 * like the extension's working-directory {@code .env}, so its {@code @kv:} references ({@code ADMIN_SECRET=@kv:...})
 * are resolved by the extension at startup. Skipped when the file is the working-directory {@code .env}, which the
 * extension already registers.
 */
public class EnvFileConfigSourceFactory implements ConfigSourceFactory {

    static final String PROPERTY = "kvconfig.service.env-file";

    @Override
    public Iterable<ConfigSource> getConfigSources(ConfigSourceContext context) {
        ConfigValue value = context.getValue(PROPERTY);
        if (value == null || value.getValue() == null || value.getValue().isBlank()) {
            return List.of();
        }
        Path path = Path.of(value.getValue()).toAbsolutePath().normalize();
        if (path.equals(DotEnvConfigSource.workingDirectoryFile().toAbsolutePath().normalize())) {
            return List.of();
        }
        return List.of(new DotEnvConfigSource(path));
    }

    @Override
    public OptionalInt getPriority() {
        return OptionalInt.of(DotEnvConfigSource.ORDINAL);
    }
}
