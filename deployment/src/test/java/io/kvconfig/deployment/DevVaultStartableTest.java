package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Dev Service's seed fills in missing names only: a value changed since (as the service's API does) survives the
 * next start on the same state file, while a name the state file does not hold yet is seeded.
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

    private DevVaultStartable startable(Path state, Map<String, String> seed) {
        return new DevVaultStartable(state, dir.resolve("tls"), "203.0.113.10", seed, "Allow");
    }
}
