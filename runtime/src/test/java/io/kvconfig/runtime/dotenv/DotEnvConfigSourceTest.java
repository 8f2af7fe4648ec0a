package io.kvconfig.runtime.dotenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.MapBackedConfigSource;

class DotEnvConfigSourceTest {

    @TempDir
    Path dir;

    @Test
    void readsBashSyntaxWithEnvStyleNames() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "# c\nexport GITHUB_TOKEN=@kv:github-token\nQUARKUS_HTTP_PORT=9090\n"
                + "GREETING='hello \"world\"'\nMULTI=$'a\\nb'\n_DEV_MODE_ONLY=dev\n");
        DotEnvConfigSource source = new DotEnvConfigSource(env);
        assertThat(source.getOrdinal()).isEqualTo(296);
        assertThat(source.getName()).startsWith("KvConfigDotEnvConfigSource[source=").contains(env.toString());
        assertThat(source.getValue("GITHUB_TOKEN")).isEqualTo("@kv:github-token");
        assertThat(source.getValue("github.token")).isEqualTo("@kv:github-token");
        assertThat(source.getValue("quarkus.http.port")).isEqualTo("9090");
        assertThat(source.getValue("GREETING")).isEqualTo("hello \"world\"");
        assertThat(source.getValue("MULTI")).isEqualTo("a\nb");
        assertThat(source.getValue("export")).isNull();
        assertThat(source.getPropertyNames()).contains("GITHUB_TOKEN", "GREETING");
    }

    @Test
    void winsOverTheJavaPropertiesReadingOfTheSameFile() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "GREETING=\"hi there\"\n");
        // what Quarkus's built-in .env source (ordinal 295) makes of it: the quotes stay
        MapBackedConfigSource builtIn = new MapBackedConfigSource("builtin", java.util.Map.of("GREETING", "\"hi there\""), 295) {
        };
        SmallRyeConfig config = new SmallRyeConfigBuilder().withSources(builtIn, new DotEnvConfigSource(env)).build();
        assertThat(config.getValue("greeting", String.class)).isEqualTo("hi there");
    }

    @Test
    void missingFileIsEmptyAndWorkingDirectoryIsTheDefault() {
        assertThat(new DotEnvConfigSource(dir.resolve("absent.env")).getPropertyNames()).isEmpty();
        assertThat(DotEnvConfigSource.workingDirectoryFile())
                .isEqualTo(Path.of(System.getProperty("user.dir"), ".env"));
        assertThat(DotEnvConfigSource.workingDirectorySources()).hasSize(1);
    }

    @Test
    void invalidFileFailsWithLineNumbersAndNoValues() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "OK=1\nADMIN_SECRET=hunter2 and more\n");
        assertThatThrownBy(() -> new DotEnvConfigSource(env)).isInstanceOf(DotEnvParseException.class)
                .hasMessageContaining("line 2 (ADMIN_SECRET)").hasMessageNotContaining("hunter2");
    }
}
