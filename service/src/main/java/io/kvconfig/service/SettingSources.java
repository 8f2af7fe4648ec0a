package io.kvconfig.service;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;

import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.SmallRyeConfig;

/**
 * Finds the raw value of a setting (the text as written, before {@code @kv:} references or expressions are resolved)
 * and the kind of source it wins in, the way SmallRye Config picks the winner: highest ordinal first, and within one
 * source an active profile's {@code %profile.KEY} before {@code KEY}.
 * <p>
 * Reads the config sources themselves, not {@code Config.getValue}: a source holds the text as written, so nothing
 * is resolved, no secret key has to be unlocked and no secret value is ever read. The service's own {@code .env} is
 * taken from the file as it is now (the caller passes it) in place of its config source, which holds the file as it
 * was at startup.
 */
final class SettingSources {

    static final String ENV_FILE = "env-file";
    static final String ENVIRONMENT = "environment";
    static final String SYSTEM_PROPERTY = "system-property";
    static final String APPLICATION_CONFIG = "application-config";

    /** A setting's text as written, and the kind of source it comes from. toString hides the value. */
    record Raw(String value, String source) {
        @Override
        public String toString() {
            return "Raw[" + source + "]";
        }
    }

    private final List<ConfigSource> sources;
    private final List<String> profiles;

    /**
     * @param all the config's sources, any order
     * @param profiles the active profiles as SmallRye lists them (the last one has priority)
     * @param envFile the service's {@code .env}: its config source is left out, the caller passes the file's lines
     */
    SettingSources(Iterable<ConfigSource> all, List<String> profiles, Path envFile) {
        String fileSource = DotEnvConfigSource.NAME_PREFIX + "[source=" + envFile.toAbsolutePath().normalize() + "]";
        List<ConfigSource> kept = new ArrayList<>();
        for (ConfigSource s : all) {
            if (!fileSource.equals(s.getName())) {
                kept.add(s);
            }
        }
        kept.sort(Comparator.comparingInt(ConfigSource::getOrdinal).reversed()); // stable: ties keep config order
        this.sources = kept;
        List<String> byPriority = new ArrayList<>(profiles);
        java.util.Collections.reverse(byPriority);
        this.profiles = byPriority;
    }

    /** The application's config now. */
    static SettingSources current(Path envFile) {
        SmallRyeConfig config = ConfigProvider.getConfig().unwrap(SmallRyeConfig.class);
        return new SettingSources(config.getConfigSources(), config.getProfiles(), envFile);
    }

    /**
     * The winning raw value of {@code key}, or empty when no source sets it.
     *
     * @param envFile the service's {@code .env} entries as read now; they rank at the {@code .env} ordinal (296)
     */
    Optional<Raw> lookup(String key, Map<String, String> envFile) {
        String inFile = envFile.get(key);
        for (ConfigSource s : sources) {
            // ties with the .env ordinal go to the file as it is now
            if (inFile != null && s.getOrdinal() <= DotEnvConfigSource.ORDINAL) {
                return Optional.of(new Raw(inFile, ENV_FILE));
            }
            String value = rawValue(s, key);
            if (value != null) {
                return Optional.of(new Raw(value, kind(s)));
            }
        }
        return inFile == null ? Optional.empty() : Optional.of(new Raw(inFile, ENV_FILE));
    }

    private String rawValue(ConfigSource source, String key) {
        for (String profile : profiles) {
            String value = source.getValue("%" + profile + "." + key);
            if (value != null) {
                return value;
            }
        }
        return source.getValue(key);
    }

    /** The kind of a source, for the API: env-file, environment, system-property or application-config. */
    static String kind(ConfigSource source) {
        String name = source.getName() == null ? "" : source.getName();
        // any .env reader (ours, or SmallRye's Java-properties one) before the environment it extends
        if (source instanceof DotEnvConfigSource || name.startsWith(DotEnvConfigSource.NAME_PREFIX)
                || name.startsWith("DotEnvConfigSource") || name.contains("/.env]") || name.endsWith("/.env")) {
            return ENV_FILE;
        }
        if (source instanceof EnvConfigSource || name.startsWith("EnvConfigSource")) {
            return ENVIRONMENT;
        }
        if (name.startsWith("SysPropConfigSource")) {
            return SYSTEM_PROPERTY;
        }
        return APPLICATION_CONFIG;
    }
}
