package io.kvconfig.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

/** Test profiles: each is one app start with its own dev vault and .env. */
public final class Profiles {

    private Profiles() {
    }

    /** The service on a dev vault, ADMIN_SECRET=@kv:admin-secret. */
    public static class WithVault implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kvconfig.service.secret-names.\"BOT_APP_PASSWORD\"", "bot-password",
                    "kvconfig.service.key-vault-retries", "1",
                    "kvconfig.service.key-vault-concurrency", "4",
                    "kvconfig.service.max-body-bytes", "4096",
                    "kvconfig.service.max-value-bytes", "2000");
        }

        @Override
        public String getConfigProfile() {
            return "test";
        }
    }

    /**
     * The service on a dev vault with extra application config ({@code listing-settings.yaml} through
     * {@code quarkus.config.locations}): settings that are set there and not in {@code .env}.
     */
    public static class Listing implements QuarkusTestProfile {
        /** The secret that {@code SMTP_PASSWORD=@kv:smtp-from-yaml} in the yaml references. */
        public static final String SMTP = LeakCheck.secret("smtp-seeded-at-start-'$x");
        /**
         * A resolved value in a source above {@code .env} (the overrides, 400), as the container entrypoint puts it into
         * the environment (300) while {@code .env} keeps {@code DB_PASSWORD=@kv:db-password}.
         */
        public static final String RESOLVED_DB_PASSWORD = LeakCheck.secret("resolved-db-\"pass'\\word\n2");

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("secret.smtp-from-yaml", SMTP)));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("quarkus.config.locations", "listing-settings.yaml",
                    "kvconfig.service.known-keys", "KEY_VAULT_URL,KEY_VAULT_RG,KEY_VAULT_NAME,FEATURE_FLAG",
                    "DB_PASSWORD", RESOLVED_DB_PASSWORD);
        }
    }

    /**
     * Two dev vaults, the default one named by {@code KEY_VAULT_URL} (not {@code quarkus.kvconfig.url}), so that a
     * {@code KEY_VAULT_URL} saved through the API is the default vault of the next start.
     */
    public static class SecondVault implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("second-vault", "true", "url-key", "KEY_VAULT_URL")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kvconfig.service.key-vault-retries", "0");
        }
    }

    /**
     * The service on a dev vault reached as {@code kvtest.vault.azure.net} with the SDK's challenge resource
     * verification ON (the production default), as a real Key Vault would be.
     */
    public static class VerifiedVault implements QuarkusTestProfile {
        public static final String HOST = "kvtest.vault.azure.net";

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("host", HOST)));
        }
    }

    /**
     * The Key Vault events webhook on: its secret is a reference ({@code @kv:events-secret}), {@code APP_TOKEN}
     * references {@code app-token}, and the timed refresh is on with a period no test outlives (so a PUT that only
     * rotates a secret takes effect at once, and no background refresh adds requests to the journal).
     */
    public static class Events implements QuarkusTestProfile {
        public static final String EVENTS_SECRET = LeakCheck.secret("evt-Shared-Secret-" + Long.toHexString(System.nanoTime()));
        public static final String APP_TOKEN = LeakCheck.secret("app-token-v1-" + Long.toHexString(System.nanoTime()));

        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("secret.events-secret", EVENTS_SECRET,
                    "secret.app-token", APP_TOKEN)));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kvconfig.service.events.secret", "@kv:events-secret",
                    "APP_TOKEN", "@kv:app-token",
                    "quarkus.kvconfig.refresh.period", "6h",
                    "quarkus.kvconfig.refresh.jitter", "0s");
        }
    }

    /** A vault but no ADMIN_SECRET: the admin API answers 503. */
    public static class NoAdminSecret implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("admin", "none")));
        }
    }

    /**
     * No vault at all: secrets are written to .env as values. {@code no-vault-settings.yaml} holds a reference that
     * {@code quarkus.kvconfig.resolve-only} leaves alone (there is no vault to resolve it from). An earlier app's Dev
     * Service dev vault is still registered when this app starts ({@link EarlierAppsDevVault}): "no vault" holds even
     * then, in any test order.
     */
    public static class NoVault implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("vault", "none")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            EarlierAppsDevVault.register(); // before this app's Dev Services start
            return Map.of("quarkus.config.locations", "no-vault-settings.yaml",
                    "quarkus.kvconfig.resolve-only", "ADMIN_SECRET");
        }
    }

    /**
     * The extension's Dev Service provides the vault (no test resource, no KEY_VAULT_URL), seeded with the admin
     * secret that ADMIN_SECRET references.
     */
    public static class DevService implements QuarkusTestProfile {
        public static final String ADMIN = "dev-service-admin-secret-42";
        /** In a fresh directory per run, with the dev vault's state beside it: nothing an earlier run left is read. */
        public static final Path ENV_FILE = freshDirectory("devservice-test").resolve("settings.env");

        @Override
        public Map<String, String> getConfigOverrides() {
            try {
                Files.writeString(ENV_FILE, "# dev service test\nADMIN_SECRET=@kv:admin-secret\n");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Map.of("quarkus.kvconfig.devservices.enabled", "true",
                    "quarkus.kvconfig.devservices.secrets.\"admin-secret\"", ADMIN,
                    "quarkus.kvconfig.devservices.state-file", ENV_FILE.resolveSibling("state.json").toString(),
                    "kvconfig.service.env-file", ENV_FILE.toString());
        }
    }

    /**
     * A new temp directory per test JVM for this name, the same one from every class loader (JUnit's and each app's
     * load this class apart, so a plain static would differ between the profile and the test): kept in a system
     * property.
     */
    static Path freshDirectory(String name) {
        String key = "kvconfig.test.dir." + name;
        synchronized (System.getProperties()) {
            String dir = System.getProperty(key);
            if (dir == null) {
                try {
                    dir = Files.createTempDirectory("kvconfig-" + name).toString();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
                System.setProperty(key, dir);
            }
            return Path.of(dir);
        }
    }

    /**
     * The service on a dev vault with allowlisting configured (so a test can prove it is not attempted), a short write
     * deadline ({@code key-vault-timeout} 4 s) and one retry: the vault's refusals and transient conflicts.
     */
    public static class VaultRefusals implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(TestVault.class, Map.of("allowlisting", "true")));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("kvconfig.service.key-vault-timeout", "4S",
                    "kvconfig.service.key-vault-retries", "1");
        }
    }
}
