package io.kvconfig.runtime.dotenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.Map;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.smallrye.config.EnvConfigSource;

/**
 * SmallRye {@link ConfigSource} for a {@code .env} file in {@link DotEnvFormat} (bash syntax), replacing the way
 * Quarkus's built-in {@code .env} source reads it (Java-properties syntax, ordinal 295, see STACK.md): this one
 * has ordinal {@value #ORDINAL} so it wins for every key both define.
 * <p>
 * Names work like environment variables (it is an {@link EnvConfigSource} over the file's map): {@code GITHUB_TOKEN}
 * answers both {@code GITHUB_TOKEN} and {@code github.token}, {@code QUARKUS_HTTP_PORT} answers
 * {@code quarkus.http.port}, and {@code _DEV_FOO} is the dev-profile form.
 * <p>
 * Which file: {@link #workingDirectory()} reads {@code .env} in the working directory ({@code user.dir}), like
 * Quarkus; there is deliberately no extension property for another path (the file is config itself). An app that
 * keeps its {@code .env} elsewhere (the service's {@code kvconfig.service.env-file}) registers another instance
 * with {@link #DotEnvConfigSource(Path, int)}. A missing file is an empty source; a file that bash would read
 * differently fails with a {@link DotEnvParseException} naming the lines (never their values).
 */
public class DotEnvConfigSource extends EnvConfigSource {

    public static final int ORDINAL = 296;
    public static final String NAME_PREFIX = "KvConfigDotEnvConfigSource";

    private final String name;

    public DotEnvConfigSource(Path path) {
        this(path, ORDINAL);
    }

    public DotEnvConfigSource(Path path, int ordinal) {
        this(path.toAbsolutePath().normalize(), load(path), ordinal);
    }

    private DotEnvConfigSource(Path path, Map<String, String> values, int ordinal) {
        super(values, ordinal);
        this.name = NAME_PREFIX + "[source=" + path + "]";
    }

    /** The {@code .env} of the working directory. */
    public static DotEnvConfigSource workingDirectory() {
        return new DotEnvConfigSource(workingDirectoryFile());
    }

    /** As a list, for {@code ConfigSourceProvider}/{@code ConfigSourceFactory} style registration. */
    public static List<ConfigSource> workingDirectorySources() {
        return List.of(workingDirectory());
    }

    public static Path workingDirectoryFile() {
        return Paths.get(System.getProperty("user.dir", "."), ".env");
    }

    private static Map<String, String> load(Path path) {
        try {
            return new DotEnvFile(path).read().values();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + path, e);
        }
    }

    @Override
    public String getName() {
        return name;
    }
}
