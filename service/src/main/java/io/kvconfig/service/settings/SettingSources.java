package io.kvconfig.service.settings;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;

import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.vault.KeyVaultSettings;
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
    /** The sources that read the service's {@code .env} at startup: what the running process got from the file. */
    private final List<ConfigSource> fileAtStartup;
    private final List<String> profiles;

    /**
     * @param all the config's sources, any order
     * @param profiles the active profiles as SmallRye lists them (the last one has priority)
     * @param envFile the service's {@code .env}: the config sources that read it (ours, or SmallRye's Java-properties
     *        reading when it is the working directory's) are left out, the caller passes the file's lines
     */
    SettingSources(Iterable<ConfigSource> all, List<String> profiles, Path envFile) {
        Path file = envFile.toAbsolutePath().normalize();
        List<ConfigSource> kept = new ArrayList<>();
        List<ConfigSource> startup = new ArrayList<>();
        for (ConfigSource s : all) {
            (readsFile(s, file) ? startup : kept).add(s);
        }
        kept.sort(Comparator.comparingInt(ConfigSource::getOrdinal).reversed()); // stable: ties keep config order
        startup.sort(Comparator.comparingInt(ConfigSource::getOrdinal).reversed());
        this.sources = kept;
        this.fileAtStartup = startup;
        List<String> byPriority = new ArrayList<>(profiles);
        java.util.Collections.reverse(byPriority);
        this.profiles = byPriority;
    }

    /** Does this source read the file (its name says {@code [source=<path>]} or {@code [source=file:<path>]})? */
    private static boolean readsFile(ConfigSource s, Path file) {
        String name = s.getName() == null ? "" : s.getName();
        return name.endsWith("[source=" + file + "]") || name.endsWith("[source=file:" + file + "]")
                || name.endsWith("[source=" + file.toUri() + "]");
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

    /**
     * The {@code @kv:} reference that any source holds for {@code key}, the highest-ranked first, whichever source
     * wins: in the container the entrypoint puts the resolved value into the environment (ordinal 300) over the
     * {@code .env} reference. The file as it is now ranks at the {@code .env} ordinal, followed by the file as the
     * process read it at startup (a reference removed since still explains a resolved value in the environment).
     */
    Optional<Raw> reference(String key, Map<String, String> envFile) {
        boolean fileChecked = false;
        for (ConfigSource s : sources) {
            if (!fileChecked && s.getOrdinal() <= DotEnvConfigSource.ORDINAL) {
                fileChecked = true;
                Optional<Raw> inFile = fileReference(key, envFile);
                if (inFile.isPresent()) {
                    return inFile;
                }
            }
            String value = rawValue(s, key);
            if (SecretReferenceParser.isReference(value)) {
                return Optional.of(new Raw(value, kind(s)));
            }
        }
        return fileChecked ? Optional.empty() : fileReference(key, envFile);
    }

    private Optional<Raw> fileReference(String key, Map<String, String> envFile) {
        String now = envFile.get(key);
        if (SecretReferenceParser.isReference(now)) {
            return Optional.of(new Raw(now, ENV_FILE));
        }
        for (ConfigSource s : fileAtStartup) {
            String then = rawValue(s, key);
            if (SecretReferenceParser.isReference(then)) {
                return Optional.of(new Raw(then, ENV_FILE));
            }
        }
        return Optional.empty();
    }

    /**
     * Every {@code @kv:} reference the configuration holds now, by property in its environment-variable form (the
     * active profile's prefix removed; {@code app.token} is {@code APP_TOKEN}), highest-ranked source first, each
     * property and reference once; {@code .env} as it is now. No values, only references.
     *
     * @param envFile the service's {@code .env} entries as read now
     */
    List<Map.Entry<String, String>> allReferences(Map<String, String> envFile) {
        Set<Map.Entry<String, String>> out = new LinkedHashSet<>();
        boolean fileAdded = false;
        for (ConfigSource s : sources) {
            if (!fileAdded && s.getOrdinal() <= DotEnvConfigSource.ORDINAL) {
                fileAdded = true;
                addFileReferences(out, envFile);
            }
            for (String name : s.getPropertyNames()) {
                String property = activeName(name);
                if (property == null) {
                    continue;
                }
                String value = s.getValue(name);
                if (SecretReferenceParser.isReference(value)) {
                    out.add(Map.entry(io.kvconfig.runtime.config.KvConfigMapping.envForm(property), value.strip()));
                }
            }
        }
        if (!fileAdded) {
            addFileReferences(out, envFile);
        }
        return new ArrayList<>(out);
    }

    private static void addFileReferences(Set<Map.Entry<String, String>> out, Map<String, String> envFile) {
        envFile.forEach((k, v) -> {
            if (SecretReferenceParser.isReference(v)) {
                out.add(Map.entry(k, v.strip()));
            }
        });
    }

    /** A property name without the active profile's prefix; null for another profile's property. */
    private String activeName(String name) {
        if (name.startsWith("%")) {
            int dot = name.indexOf('.');
            if (dot > 1 && profiles.contains(name.substring(1, dot))) {
                return name.substring(dot + 1);
            }
            return null;
        }
        if (name.startsWith("_")) {
            // the environment's form of a profile property: _DEV_GITHUB_TOKEN
            for (String profile : profiles) {
                String prefix = "_" + profile.toUpperCase(java.util.Locale.ROOT) + "_";
                if (name.startsWith(prefix) && name.length() > prefix.length()) {
                    return name.substring(prefix.length());
                }
            }
            return null;
        }
        return name;
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
