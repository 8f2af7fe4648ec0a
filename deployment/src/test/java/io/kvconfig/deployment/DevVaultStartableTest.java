package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.quarkus.runtime.LaunchMode;

/**
 * The Dev Service's seed fills in missing names only: a value changed since (as the service's API does) survives the
 * next start on the same state file, while a name the state file does not hold yet is seeded. Where the state lives,
 * and what the Dev Service says when a reference names a secret the state does not hold.
 */
class DevVaultStartableTest {

    @TempDir
    Path dir;

    @Test
    void restartKeepsChangedValuesAndSeedsNewNames() throws Exception {
        Path state = dir.resolve("state.json");
        Map<String, String> seed = Map.of("admin-secret", "seed-admin-value");

        DevVaultStartable first = startable(state, seed);
        first.start();
        try {
            assertThat(first.vault().secretValue("admin-secret")).contains("seed-admin-value");
            first.vault().setSecret("admin-secret", "changed-through-the-api");
        } finally {
            first.close();
        }
        assertThat(state).exists();

        DevVaultStartable second = startable(state, Map.of("admin-secret", "seed-admin-value", "new-one", "new-one-value"));
        second.start();
        try {
            assertThat(second.vault().secretValue("admin-secret")).contains("changed-through-the-api");
            assertThat(second.vault().secretValue("new-one")).contains("new-one-value");
        } finally {
            second.close();
        }
    }

    @Test
    void aReferenceTheStateDoesNotHoldGetsAHintNamingTheStateAndTheOneStepReset() throws Exception {
        Path state = dir.resolve("project/.kvconfig-dev-vault/state.json");
        Path dotEnv = dir.resolve("project/.env");
        Map<String, List<String>> references = Map.of("admin-secret", List.of("ADMIN_SECRET"),
                "github-token", List.of("GITHUB_TOKEN", "app.github-token"));
        DevVaultStartable s = new DevVaultStartable(state, state.resolveSibling("tls"), "203.0.113.10",
                Map.of("admin-secret", "seed-admin-value-31"), "Allow", references, dotEnv);
        s.start();
        try {
            String hint = s.missingSecretsHint(s.vault().secretNames());
            assertThat(hint).contains("no secret 'github-token' (referenced by GITHUB_TOKEN, app.github-token)")
                    .contains("startup will fail")
                    .contains("Its state is " + state)
                    .contains("rm -r " + state.getParent() + " " + dotEnv)
                    .contains("quarkus.kvconfig.devservices.secrets.\"github-token\"=<value>")
                    .doesNotContain("'admin-secret'").doesNotContain("seed-admin-value-31");
            // Key Vault names are case-insensitive; once the secret exists, no hint
            s.vault().setSecret("GitHub-Token", "now-there");
            assertThat(s.missingSecretsHint(s.vault().secretNames())).isNull();
        } finally {
            s.close();
        }
    }

    @Test
    void withoutAStateFileTheVaultStartsFromItsSeedsAndItsTlsMaterialIsRemovedAtClose() throws Exception {
        DevVaultStartable s = new DevVaultStartable(null, null, "203.0.113.10", Map.of("one", "one-value"), "Allow",
                Map.of("two", List.of("app.two")), dir.resolve(".env"));
        s.start();
        Path ca;
        try {
            assertThat(s.vault().stateFile()).isEmpty();
            assertThat(s.vault().secretValue("one")).contains("one-value");
            ca = s.vault().caCertificatePath();
            assertThat(ca).exists();
            assertThat(s.missingSecretsHint(s.vault().secretNames())).contains("no secret 'two' (referenced by app.two)")
                    .contains("keeps no state").contains("quarkus.kvconfig.devservices.secrets.\"two\"=<value>")
                    .doesNotContain("rm -r");
        } finally {
            s.close();
        }
        assertThat(ca).doesNotExist();
    }

    @Test
    void theStateLivesBesideTheEnvInDevModeNowhereInTestModeAndWhereConfigured() {
        Path dotEnv = dir.resolve("app/.env");
        assertThat(DevVaultProcessor.stateFile(config(Optional.empty()), LaunchMode.DEVELOPMENT, dotEnv))
                .contains(dir.resolve("app/.kvconfig-dev-vault/state.json"));
        assertThat(DevVaultProcessor.stateFile(config(Optional.empty()), LaunchMode.TEST, dotEnv)).isEmpty();
        assertThat(DevVaultProcessor.stateFile(config(Optional.of(dir.resolve("x/s.json").toString())), LaunchMode.TEST,
                dotEnv)).contains(dir.resolve("x/s.json"));
        assertThat(DevVaultProcessor.stateFile(config(Optional.of("rel/s.json")), LaunchMode.DEVELOPMENT, dotEnv))
                .contains(Path.of("rel/s.json").toAbsolutePath().normalize());
    }

    /** A property the hint names once, whatever its spelling in a source (GITHUB_TOKEN in .env, github.token). */
    @Test
    void propertySpellingsShareOneEnvironmentName() {
        assertThat(DevVaultProcessor.envName("github.token")).isEqualTo(DevVaultProcessor.envName("GITHUB_TOKEN"))
                .isEqualTo("GITHUB_TOKEN");
        assertThat(DevVaultProcessor.envName("app.github-token")).isEqualTo("APP_GITHUB_TOKEN");
    }

    /** The .gitignore keeps the dev-mode state (secret values of the dev vault) out of git. */
    @Test
    void theDevStateDirectoryIsGitIgnored() throws Exception {
        Path gitignore = Path.of("..", ".gitignore");
        assertThat(java.nio.file.Files.readAllLines(gitignore)).contains(DevVaultProcessor.DEV_STATE_DIR + "/");
    }

    static KvConfigDevServicesConfig config(Optional<String> stateFile) {
        return new KvConfigDevServicesConfig() {
            @Override
            public boolean enabled() {
                return true;
            }

            @Override
            public Map<String, String> secrets() {
                return Map.of();
            }

            @Override
            public String publicIp() {
                return "203.0.113.10";
            }

            @Override
            public Optional<Boolean> allowlisting() {
                return Optional.empty();
            }

            @Override
            public Optional<String> firewallDefaultAction() {
                return Optional.empty();
            }

            @Override
            public Optional<String> stateFile() {
                return stateFile;
            }
        };
    }

    private DevVaultStartable startable(Path state, Map<String, String> seed) {
        return new DevVaultStartable(state, dir.resolve("tls"), "203.0.113.10", seed, "Allow", Map.of(), dir.resolve(".env"));
    }
}
