package io.kvconfig.service.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SysPropConfigSource;

/** Which source's raw text wins for a setting, and how the source is named; pure, no Quarkus. */
class SettingSourcesTest {

    private static final Path ENV_FILE = Path.of("/srv/app/settings.env");

    private static ConfigSource environment(Map<String, String> values) {
        return new EnvConfigSource(values, 300);
    }

    private static ConfigSource yaml(Map<String, String> values) {
        return new PropertiesConfigSource(values, "YamlConfigSource[source=jar:file:/app.jar!/application.yaml]", 255);
    }

    private static ConfigSource serviceFileAtStartup(Map<String, String> values) {
        return new EnvConfigSource(values, DotEnvConfigSource.ORDINAL) {
            @Override
            public String getName() {
                return DotEnvConfigSource.NAME_PREFIX + "[source=" + ENV_FILE + "]";
            }
        };
    }

    private static SettingSources sources(List<String> profiles, ConfigSource... sources) {
        return new SettingSources(List.of(sources), profiles, ENV_FILE);
    }

    private static Optional<SettingSources.Raw> raw(String value, String source) {
        return Optional.of(new SettingSources.Raw(value, source));
    }

    @Test
    void theEnvironmentWinsOverTheEnvFileWhichWinsOverApplicationConfig() {
        SettingSources s = sources(List.of("prod"),
                yaml(Map.of("A", "yaml", "B", "yaml", "C", "@kv:c-from-yaml")),
                environment(Map.of("A", "@kv:a-from-env")));
        Map<String, String> file = Map.of("A", "file", "B", "file");
        assertThat(s.lookup("A", file)).isEqualTo(raw("@kv:a-from-env", SettingSources.ENVIRONMENT));
        assertThat(s.lookup("B", file)).isEqualTo(raw("file", SettingSources.ENV_FILE));
        assertThat(s.lookup("C", file)).isEqualTo(raw("@kv:c-from-yaml", SettingSources.APPLICATION_CONFIG));
        assertThat(s.lookup("D", file)).isEmpty();
    }

    @Test
    void onlyTheFileNoSourcesAtAll() {
        SettingSources s = sources(List.of());
        assertThat(s.lookup("A", Map.of("A", ""))).isEqualTo(raw("", SettingSources.ENV_FILE));
        assertThat(s.lookup("A", Map.of())).isEmpty();
    }

    @Test
    void theServiceFileIsReadNowNotAsItWasAtStartup() {
        SettingSources s = sources(List.of(), serviceFileAtStartup(Map.of("GONE", "old", "CHANGED", "old")));
        assertThat(s.lookup("GONE", Map.of())).isEmpty();
        assertThat(s.lookup("CHANGED", Map.of("CHANGED", "@kv:new"))).isEqualTo(raw("@kv:new", SettingSources.ENV_FILE));
    }

    @Test
    void anotherEnvFileAtTheSameOrdinalLosesToTheServiceFile() {
        ConfigSource workingDirectory = new EnvConfigSource(Map.of("A", "wd", "B", "wd"), DotEnvConfigSource.ORDINAL) {
            @Override
            public String getName() {
                return DotEnvConfigSource.NAME_PREFIX + "[source=/srv/app/.env]";
            }
        };
        SettingSources s = sources(List.of(), workingDirectory);
        assertThat(s.lookup("A", Map.of("A", "service"))).isEqualTo(raw("service", SettingSources.ENV_FILE));
        assertThat(s.lookup("B", Map.of())).isEqualTo(raw("wd", SettingSources.ENV_FILE));
    }

    @Test
    void anActiveProfilesValueWinsWithinASourceButNotOverAHigherSource() {
        SettingSources dev = sources(List.of("dev"),
                yaml(Map.of("%dev.ADMIN_SECRET", "@kv:admin-secret", "ADMIN_SECRET", "plain", "%prod.X", "p", "X", "x")));
        assertThat(dev.lookup("ADMIN_SECRET", Map.of())).isEqualTo(raw("@kv:admin-secret", SettingSources.APPLICATION_CONFIG));
        assertThat(dev.lookup("X", Map.of())).isEqualTo(raw("x", SettingSources.APPLICATION_CONFIG));
        // another profile's value alone is not a setting
        SettingSources prod = sources(List.of("prod"), yaml(Map.of("%dev.ONLY_DEV", "v")));
        assertThat(prod.lookup("ONLY_DEV", Map.of())).isEmpty();
        // the .env file (296) beats a profile value in application.yaml (255), as in SmallRye
        assertThat(dev.lookup("ADMIN_SECRET", Map.of("ADMIN_SECRET", "@kv:from-file")))
                .isEqualTo(raw("@kv:from-file", SettingSources.ENV_FILE));
    }

    @Test
    void theLastProfileHasPriority() {
        SettingSources s = sources(List.of("common", "dev"), yaml(Map.of("%common.K", "common", "%dev.K", "dev")));
        assertThat(s.lookup("K", Map.of())).isEqualTo(raw("dev", SettingSources.APPLICATION_CONFIG));
    }

    @Test
    void environmentProfileNamesAreFound() {
        SettingSources s = sources(List.of("dev"), environment(Map.of("_DEV_GITHUB_TOKEN", "@kv:dev-token")));
        assertThat(s.lookup("GITHUB_TOKEN", Map.of())).isEqualTo(raw("@kv:dev-token", SettingSources.ENVIRONMENT));
    }

    @Test
    void sourceKinds(@TempDir Path dir) throws IOException {
        Path env = Files.writeString(dir.resolve("settings.env"), "A=1\n");
        assertThat(SettingSources.kind(new DotEnvConfigSource(env))).isEqualTo(SettingSources.ENV_FILE);
        // SmallRye's own (Java-properties) reading of the working directory's .env
        assertThat(SettingSources.kind(new EnvConfigSource(Map.of(), 295) {
            @Override
            public String getName() {
                return "EnvConfigSource[source=file:/srv/app/.env]";
            }
        })).isEqualTo(SettingSources.ENV_FILE);
        assertThat(SettingSources.kind(environment(Map.of()))).isEqualTo(SettingSources.ENVIRONMENT);
        assertThat(SettingSources.kind(new SysPropConfigSource())).isEqualTo(SettingSources.SYSTEM_PROPERTY);
        assertThat(SettingSources.kind(yaml(Map.of()))).isEqualTo(SettingSources.APPLICATION_CONFIG);
        assertThat(SettingSources.kind(new PropertiesConfigSource(Map.of(),
                "PropertiesConfigSource[source=file:/app/config/application.properties]", 260)))
                .isEqualTo(SettingSources.APPLICATION_CONFIG);
    }

    @Test
    void theWriteFlowsCurrentReferenceIsTheEnvFileLinesElseTheWinningValueIfItIsOne() {
        SettingSources s = sources(List.of(),
                yaml(Map.of("IN_YAML", "@kv:yaml-name", "SHADOWED", "@kv:yaml-name", "BOTH", "@kv:yaml-name")),
                environment(Map.of("ENV_WINS", "@kv:env-name", "BOTH", "@kv:env-name", "PLAIN_ENV", "plain")));
        Map<String, String> file = Map.of("SHADOWED", "plain", "ENV_WINS", "plain", "BOTH", "@kv:file-name",
                "PLAIN_ENV", "@kv:file-name");
        assertThat(SettingsPlanner.currentReference("IN_YAML", file, s)).contains("@kv:yaml-name");
        // the .env line is what gets rewritten: its reference first, even over a higher-ranked one
        assertThat(SettingsPlanner.currentReference("BOTH", file, s)).contains("@kv:file-name");
        assertThat(SettingsPlanner.currentReference("PLAIN_ENV", file, s)).contains("@kv:file-name");
        // else the value in effect: the environment's reference wins over a plain .env line ...
        assertThat(SettingsPlanner.currentReference("ENV_WINS", file, s)).contains("@kv:env-name");
        // ... and a plain .env line wins over a reference in application config
        assertThat(SettingsPlanner.currentReference("SHADOWED", file, s)).isEmpty();
        assertThat(SettingsPlanner.currentReference("NOWHERE", file, s)).isEmpty();
    }

    @Test
    void rawValuesNeverShowInToString() {
        assertThat(new SettingSources.Raw("s3cret", SettingSources.ENV_FILE).toString()).doesNotContain("s3cret");
    }

    @Test
    void aReferenceInAnySourceIsFoundWhicheverSourceWins() {
        // the container: the environment (300) holds the resolved value, .env (296) the reference
        SettingSources s = sources(List.of("prod"),
                yaml(Map.of("YAML_REF", "@kv:in-yaml", "BOTH", "@kv:yaml-loses")),
                environment(Map.of("DB_PASSWORD", "resolved-value", "ENV_REF", "@kv:in-env", "BOTH", "@kv:env-wins")));
        Map<String, String> file = Map.of("DB_PASSWORD", "@kv:db-password", "YAML_REF", "plain", "PLAIN", "x");
        assertThat(s.lookup("DB_PASSWORD", file)).isEqualTo(raw("resolved-value", SettingSources.ENVIRONMENT));
        assertThat(s.reference("DB_PASSWORD", file)).isEqualTo(raw("@kv:db-password", SettingSources.ENV_FILE));
        // shadowed by a plain .env line, still a reference
        assertThat(s.reference("YAML_REF", file)).isEqualTo(raw("@kv:in-yaml", SettingSources.APPLICATION_CONFIG));
        assertThat(s.reference("ENV_REF", file)).isEqualTo(raw("@kv:in-env", SettingSources.ENVIRONMENT));
        // the highest-ranked reference first
        assertThat(s.reference("BOTH", file)).isEqualTo(raw("@kv:env-wins", SettingSources.ENVIRONMENT));
        assertThat(s.reference("PLAIN", file)).isEmpty();
        assertThat(s.reference("NOWHERE", file)).isEmpty();
    }

    @Test
    void aReferenceTheProcessReadFromTheFileAtStartupStillCounts() {
        // removed from .env since the start: the environment still holds what was resolved from it
        SettingSources s = sources(List.of(), serviceFileAtStartup(Map.of("DB_PASSWORD", "@kv:db-password")),
                environment(Map.of("DB_PASSWORD", "resolved-value")));
        assertThat(s.lookup("DB_PASSWORD", Map.of())).isEqualTo(raw("resolved-value", SettingSources.ENVIRONMENT));
        assertThat(s.reference("DB_PASSWORD", Map.of())).isEqualTo(raw("@kv:db-password", SettingSources.ENV_FILE));
        // but the file as it is now comes first
        assertThat(s.reference("DB_PASSWORD", Map.of("DB_PASSWORD", "@kv:renamed")))
                .isEqualTo(raw("@kv:renamed", SettingSources.ENV_FILE));
    }

    @Test
    void smallRyesOwnReadingOfTheServiceFileIsTheStartupSnapshotToo() {
        // the working directory's .env as SmallRye's Java-properties source reads it (ordinal 295): stale after a PUT
        ConfigSource smallRye = new EnvConfigSource(Map.of("GONE", "old", "OLD_REF", "@kv:old"), 295) {
            @Override
            public String getName() {
                return "DotEnvConfigSource[source=file:" + ENV_FILE + "]";
            }
        };
        SettingSources s = sources(List.of(), smallRye);
        assertThat(s.lookup("GONE", Map.of())).isEmpty();
        assertThat(s.allReferences(Map.of())).isEmpty();
        assertThat(s.reference("OLD_REF", Map.of())).isEqualTo(raw("@kv:old", SettingSources.ENV_FILE));
    }

    @Test
    void allReferencesOfTheActiveProfileInEverySource() {
        SettingSources s = sources(List.of("dev"),
                yaml(Map.of("%dev.DEV_REF", "@kv:dev-ref", "%prod.PROD_REF", "@kv:prod-ref", "app.token", "@kv:dotted",
                        "PLAIN", "x")),
                environment(Map.of("_DEV_ENV_DEV", "@kv:env-dev", "_PROD_ENV_PROD", "@kv:env-prod", "ENV_REF",
                        "@kv:env-ref")));
        assertThat(s.allReferences(Map.of("FILE_REF", "@kv:file-ref", "FILE_PLAIN", "y")))
                .containsExactlyInAnyOrder(Map.entry("ENV_DEV", "@kv:env-dev"), Map.entry("ENV_REF", "@kv:env-ref"),
                        Map.entry("FILE_REF", "@kv:file-ref"), Map.entry("DEV_REF", "@kv:dev-ref"),
                        Map.entry("APP_TOKEN", "@kv:dotted"));
    }
}
