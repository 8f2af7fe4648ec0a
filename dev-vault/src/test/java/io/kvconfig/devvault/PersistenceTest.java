package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.security.keyvault.secrets.SecretClient;

/** State survives a restart: secrets, versions, deletions, firewall, TLS material and issued tokens. */
class PersistenceTest {
    @TempDir
    Path dir;

    @Test
    void stateSurvivesARestart() throws Exception {
        Path state = dir.resolve("state/dev-vault.json");
        Path tls = dir.resolve("tls");
        String version1;
        String token;
        String caPem;
        int port;
        try (DevVault vault = DevVault.builder().stateFile(state).trustStoreDir(tls).build().start()) {
            port = vault.httpsPort();
            SecretClient client = Sdk.secretClient(vault);
            version1 = client.setSecret("persisted", "persisted-v1").getProperties().getVersion();
            client.setSecret("persisted", "persisted-v2");
            client.setSecret("to-delete", "deleted-value");
            client.beginDeleteSecret("to-delete").waitForCompletion();
            vault.firewall().addIpRule("198.51.100.0/24");
            token = vault.issueToken("https://vault.azure.net", Duration.ofMinutes(10));
            caPem = Files.readString(vault.caCertificatePath());
            assertThat(Files.getPosixFilePermissions(state)).isEqualTo(PosixFilePermissions.fromString("rw-------"));
        }
        assertThat(Files.readString(state)).contains("persisted-v2");
        try (DirectoryStreamCheck leftovers = new DirectoryStreamCheck(state.getParent())) {
            assertThat(leftovers.names()).containsExactly("dev-vault.json");
        }

        try (DevVault vault = DevVault.builder().stateFile(state).trustStoreDir(tls).httpsPort(port).build().start()) {
            assertThat(vault.secretValue("persisted")).contains("persisted-v2");
            assertThat(vault.secretValue("to-delete")).isEmpty();
            assertThat(vault.firewall().ipRules()).containsExactly("198.51.100.0/24");
            assertThat(Files.readString(vault.caCertificatePath())).as("same CA after restart").isEqualTo(caPem);
            Raw raw = new Raw(vault);
            assertThat(raw.send("GET", "/secrets/persisted/" + version1 + "?api-version=7.4", token, null).statusCode())
                    .as("a token issued before the restart is still valid").isEqualTo(200);
            assertThat(raw.send("GET", "/deletedsecrets/to-delete?api-version=7.4", token, null).statusCode())
                    .isEqualTo(200);
            SecretClient client = Sdk.secretClient(vault);
            assertThat(client.getSecret("persisted", version1).getValue()).isEqualTo("persisted-v1");
            client.purgeDeletedSecret("to-delete");
        }
        assertThat(Files.readString(state)).doesNotContain("deleted-value");
    }

    @Test
    void concurrentWritesLeaveAConsistentStateFile() {
        Path state = dir.resolve("concurrent.json");
        java.util.Map<String, String> expected = new java.util.TreeMap<>();
        for (int i = 0; i < 48; i++) {
            expected.put("concurrent-" + i, "concurrent-value-" + i);
        }
        try (DevVault vault = DevVault.builder().stateFile(state).build().start()) {
            var client = Sdk.secretAsyncClient(vault);
            reactor.core.publisher.Flux.fromIterable(expected.entrySet())
                    .flatMap(e -> client.setSecret(e.getKey(), e.getValue()), 48)
                    .blockLast(Duration.ofSeconds(30));
            assertThat(vault.journal().count("SetSecret")).isEqualTo(48);
        }
        try (DevVault vault = DevVault.builder().stateFile(state).build().start()) {
            expected.forEach((name, value) -> assertThat(vault.secretValue(name)).contains(value));
            assertThat(vault.secretNames()).hasSize(48);
        }
    }

    @Test
    void anUnreadableStateFileStopsTheStartAndIsLeftAlone() throws Exception {
        Path state = dir.resolve("broken.json");
        Files.writeString(state, "{ not json, maybe-a-secret-value");
        assertThatThrownBy(() -> DevVault.builder().stateFile(state).build().start())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("not valid JSON")
                .hasMessageNotContaining("maybe-a-secret-value");
        assertThat(Files.readString(state)).isEqualTo("{ not json, maybe-a-secret-value");
    }

    @Test
    void seededSecretsAreSetAtStartUnlessTheStateHasThem() {
        Path state = dir.resolve("seeded.json");
        try (DevVault vault = DevVault.builder().stateFile(state).secret("seeded", "seeded-value").build().start()) {
            assertThat(vault.secretValue("seeded")).contains("seeded-value");
            assertThat(vault.secretNames()).containsExactly("seeded");
            vault.setSecret("seeded", "changed-by-the-app");
        }
        try (DevVault vault = DevVault.builder().stateFile(state).secret("seeded", "seeded-value")
                .secret("another", "x").build().start()) {
            assertThat(vault.secretValue("seeded")).contains("changed-by-the-app");
            assertThat(vault.secretValue("another")).contains("x");
        }
    }

    @Test
    void aChangedSeedBecomesANewVersionAndAnUnchangedOneCreatesNone() throws Exception {
        Path state = dir.resolve("seed-change.json");
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(DevVault.class.getName());
        java.util.List<String> logged = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        try {
            try (DevVault vault = DevVault.builder().stateFile(state).secret("api-token", "seed-value-one").build()
                    .start()) {
                assertThat(versions(vault, "api-token")).isEqualTo(1);
            }
            try (DevVault vault = DevVault.builder().stateFile(state).secret("api-token", "seed-value-one").build()
                    .start()) {
                assertThat(versions(vault, "api-token")).as("unchanged seed: no new version").isEqualTo(1);
            }
            assertThat(logged).noneMatch(m -> m.contains("api-token"));

            try (DevVault vault = DevVault.builder().stateFile(state).secret("api-token", "seed-value-two").build()
                    .start()) {
                assertThat(vault.secretValue("api-token")).contains("seed-value-two");
                assertThat(versions(vault, "api-token")).isEqualTo(2);
                assertThat(Sdk.secretClient(vault).getSecret("api-token").getValue()).isEqualTo("seed-value-two");
                // the application changes it; the same seed again must not undo that
                vault.setSecret("api-token", "set-by-the-app");
            }
            assertThat(logged).filteredOn(m -> m.contains("'api-token'")).hasSize(1)
                    .allMatch(m -> m.contains("changed") && m.contains("new version"));
            try (DevVault vault = DevVault.builder().stateFile(state).secret("api-token", "seed-value-two").build()
                    .start()) {
                assertThat(vault.secretValue("api-token")).contains("set-by-the-app");
                assertThat(versions(vault, "api-token")).isEqualTo(3);
            }
            // a seed changed to what the secret already holds adds no version either
            try (DevVault vault = DevVault.builder().stateFile(state).secret("api-token", "set-by-the-app").build()
                    .start()) {
                assertThat(versions(vault, "api-token")).isEqualTo(3);
                Sdk.secretClient(vault).beginDeleteSecret("api-token").waitForCompletion(Duration.ofSeconds(30));
            }
            // a deleted secret stays deleted when its seed changes (said in the log)
            try (DevVault vault = DevVault.builder().stateFile(state).secret("api-token", "seed-value-three").build()
                    .start()) {
                assertThat(vault.secretValue("api-token")).isEmpty();
            }
            assertThat(logged).anyMatch(m -> m.contains("'api-token'") && m.contains("left deleted"));
            assertThat(logged).noneMatch(m -> m.contains("seed-value") || m.contains("set-by-the-app"));
            assertThat(Files.readString(state)).doesNotContain("seed-value-three");
        } finally {
            logger.removeHandler(capture);
        }
    }

    @Test
    void aStateSavedBeforeSeedsWereRememberedKeepsAValueSetSince() throws Exception {
        Path state = dir.resolve("old-format.json");
        try (DevVault vault = DevVault.builder().stateFile(state).secret("legacy", "legacy-seed").build().start()) {
            vault.setSecret("legacy", "legacy-app-value");
        }
        // as written before this change: no "seeds" object
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) Raw.JSON
                .readTree(state.toFile());
        json.remove("seeds");
        Files.writeString(state, Raw.JSON.writeValueAsString(json));
        try (DevVault vault = DevVault.builder().stateFile(state).secret("legacy", "legacy-seed").build().start()) {
            assertThat(vault.secretValue("legacy")).contains("legacy-app-value");
            assertThat(versions(vault, "legacy")).isEqualTo(2);
        }
        try (DevVault vault = DevVault.builder().stateFile(state).secret("legacy", "legacy-seed-2").build().start()) {
            assertThat(vault.secretValue("legacy")).contains("legacy-seed-2");
        }
    }

    private static long versions(DevVault vault, String name) {
        return Sdk.secretClient(vault).listPropertiesOfSecretVersions(name).stream().count();
    }

    /** Lists a directory's file names (to check no temp files are left behind). */
    private static final class DirectoryStreamCheck implements AutoCloseable {
        private final java.nio.file.DirectoryStream<Path> stream;

        DirectoryStreamCheck(Path dir) throws java.io.IOException {
            this.stream = Files.newDirectoryStream(dir);
        }

        java.util.List<String> names() {
            java.util.List<String> names = new java.util.ArrayList<>();
            stream.forEach(p -> names.add(p.getFileName().toString()));
            return names;
        }

        @Override
        public void close() throws java.io.IOException {
            stream.close();
        }
    }
}
