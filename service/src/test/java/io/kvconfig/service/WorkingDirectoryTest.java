package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.StreamSupport;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The tests never read the developer's own {@code service/.env}: dev mode writes {@code @kv:} references there
 * (after the README's PUT, {@code GITHUB_TOKEN=@kv:github-token}) that no test vault has, and the working directory's
 * {@code .env} is read by Quarkus and by the extension whatever the app's config says. So the tests run in a working
 * directory of their own (the surefire configuration), emptied before every run, and each app's {@code .env} is a
 * temp file named by {@code kvconfig.service.env-file}.
 */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
class WorkingDirectoryTest {

    @Test
    void theWorkingDirectoryIsNotTheModuleDirectoryAndHoldsNoEnvFile() throws Exception {
        Path module = moduleDirectory();
        Path workingDirectory = Path.of("").toAbsolutePath().normalize();
        assertThat(workingDirectory).as("the tests' working directory (surefire <workingDirectory>)")
                .isNotEqualTo(module).startsWith(module.resolve("target"));
        assertThat(DotEnvConfigSource.workingDirectoryFile().toAbsolutePath().normalize())
                .as("the .env Quarkus and the extension read").isEqualTo(workingDirectory.resolve(".env"))
                .doesNotExist();
    }

    @Test
    void noConfigSourceReadsAnEnvFileOfTheModuleAndTheAppsEnvIsItsOwn() throws Exception {
        Path moduleEnv = moduleDirectory().resolve(".env");
        List<ConfigSource> sources = StreamSupport.stream(ConfigProvider.getConfig().getConfigSources().spliterator(), false)
                .toList();
        List<String> envSources = sources.stream().map(ConfigSource::getName).filter(n -> n.contains(".env")).toList();
        assertThat(envSources).as(".env config sources").isNotEmpty()
                .noneMatch(n -> n.contains(moduleEnv.toString()) || n.contains(moduleEnv.toUri().toString()));
        // the working directory's .env sources (Quarkus's and the extension's) are empty: nothing there
        Path workingEnv = DotEnvConfigSource.workingDirectoryFile().toAbsolutePath().normalize();
        assertThat(sources).filteredOn(s -> s.getName().contains(workingEnv.toString()))
                .allSatisfy(s -> assertThat(s.getPropertyNames()).as(s.getName()).isEmpty());
        // the settings come from this app's own .env, a temp file (LOG_FORMAT=json in TestVault's baseline)
        var logFormat = ConfigProvider.getConfig().getConfigValue("LOG_FORMAT");
        assertThat(logFormat.getValue()).isEqualTo("json");
        assertThat(logFormat.getSourceName()).contains(TestVault.envFile.toString());
        assertThat(TestVault.envFile.startsWith(moduleDirectory())).as("%s is in the module", TestVault.envFile).isFalse();
    }

    /** The service module's directory: from Maven, else from where this class was compiled to (target/test-classes). */
    static Path moduleDirectory() throws URISyntaxException {
        String fromMaven = System.getProperty("kvconfig.test.module-dir");
        if (fromMaven != null) {
            return Path.of(fromMaven).toAbsolutePath().normalize();
        }
        Path classes = Path.of(WorkingDirectoryTest.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path module = classes.getParent().getParent();
        assertThat(Files.exists(module.resolve("pom.xml"))).as("module directory %s", module).isTrue();
        return module.toAbsolutePath().normalize();
    }
}
