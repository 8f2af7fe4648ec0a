package io.kvconfig.service;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.HashMap;
import java.util.Map;

import io.kvconfig.devvault.DevVault;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * Starts an in-process dev vault (the same one the extension's Dev Service runs) and a temp {@code .env} for the
 * service, and points the app at both with the {@code quarkus.kvconfig.*} properties the Dev Service would set.
 * Kept instead of the Dev Service because the tests need the {@link DevVault} object for fault injection and
 * assertions. Init args: {@code admin} = "none" for a {@code .env} without ADMIN_SECRET; {@code vault} = "none"
 * for no vault at all (ADMIN_SECRET then a plain value in .env); {@code secret.<name>} = a secret seeded at start, so
 * references in application config resolve at startup; {@code second-vault} = "true" for a second dev vault
 * ({@link #vault2}, trusted too); {@code url-key} = the setting that names the vault ({@code quarkus.kvconfig.url} by
 * default; {@code KEY_VAULT_URL} to let a {@code KEY_VAULT_URL} saved through the API decide the default vault);
 * {@code host} = a Key Vault host name the dev vault is reached by (e.g. {@code kvtest.vault.azure.net}, resolved to
 * loopback for the test JVM, see the surefire configuration), with the SDK's challenge resource verification left on
 * (the default) instead of turned off for {@code localhost}; {@code allowlisting} = "true" to configure firewall
 * allowlisting against the dev vault's Resource Manager side. The {@code .env} lives in a directory of its own
 * ({@code <tmp>/env/}), which tests may break and restore.
 */
public class TestVault implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_SECRET = LeakCheck.secret("adm1n-T3st-secret-'\"$`\\-" + Long.toHexString(System.nanoTime()));
    public static final String BASELINE = "# kvconfig service settings (test)\n"
            + "ADMIN_SECRET=@kv:admin-secret\n"
            + "\n"
            + "# plain settings\n"
            + "LOG_FORMAT=json   # trailing comment\n"
            + "export GREETING='hello world'\n";
    public static final String NO_VAULT_BASELINE = "# no vault\nADMIN_SECRET=" + "'" + ADMIN_SECRET.replace("'", "'\\''") + "'\n"
            + "LOG_FORMAT=json\n";

    static volatile DevVault vault;
    static volatile DevVault vault2;
    static volatile Path envFile;
    static volatile String baseline;

    private boolean withVault = true;
    private boolean withAdmin = true;
    private boolean secondVault;
    private String urlKey = "quarkus.kvconfig.url";
    private String host;
    private boolean allowlisting;
    private final Map<String, String> seeds = new HashMap<>();

    @Override
    public void init(Map<String, String> initArgs) {
        withVault = !"none".equals(initArgs.get("vault"));
        withAdmin = !"none".equals(initArgs.get("admin"));
        secondVault = "true".equals(initArgs.get("second-vault"));
        urlKey = initArgs.getOrDefault("url-key", urlKey);
        host = initArgs.get("host");
        allowlisting = "true".equals(initArgs.get("allowlisting"));
        initArgs.forEach((k, v) -> {
            if (k.startsWith("secret.")) {
                seeds.put(k.substring("secret.".length()), v);
            }
        });
    }

    @Override
    public Map<String, String> start() {
        LeakCheck.install();
        try {
            Path dir = Files.createTempDirectory("kvconfig-service-test");
            envFile = Files.createDirectories(dir.resolve("env")).resolve("settings.env");
            Map<String, String> config = new HashMap<>();
            config.put("kvconfig.service.env-file", envFile.toString());
            if (withVault) {
                DevVault.Builder b = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(dir.resolve("tls"));
                if (host != null) {
                    b.hostNames(host);
                }
                vault = b.build().start();
                vault.setSecret("admin-secret", ADMIN_SECRET);
                seeds.forEach(vault::setSecret);
                config.put(urlKey, host != null ? vault.vaultUrl(host) : vault.vaultUrl());
                config.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
                config.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
                config.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
                config.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
                if (secondVault) {
                    // the dev vaults share their token signing keys (one JVM); the client must trust both CAs
                    vault2 = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(dir.resolve("tls2")).build().start();
                    config.put("quarkus.kvconfig.tls.trust-store", trustBoth(dir.resolve("both.p12")).toString());
                }
                if (allowlisting) {
                    // firewall allowlisting configured against the dev vault's ARM side (its firewall stays open)
                    config.put("quarkus.kvconfig.firewall.resource-manager-url", vault.resourceManagerUrl());
                    config.put("quarkus.kvconfig.firewall.ip-echo-urls", vault.ipEchoUrl());
                    config.put("quarkus.kvconfig.firewall.resource-group", vault.resourceGroup());
                    config.put("quarkus.kvconfig.firewall.vault-name", vault.vaultName());
                    config.put("quarkus.kvconfig.firewall.subscription-id", vault.subscriptionId());
                }
                if (host == null) {
                    // localhost is not a Key Vault host: the SDK would (rightly) refuse the challenge
                    config.put("quarkus.kvconfig.challenge-resource-verification", "false");
                }
                baseline = withAdmin ? BASELINE : BASELINE.replace("ADMIN_SECRET=@kv:admin-secret\n", "");
            } else {
                vault = null;
                baseline = withAdmin ? NO_VAULT_BASELINE : "# no vault, no admin\nLOG_FORMAT=json\n";
            }
            Files.writeString(envFile, baseline);
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path trustBoth(Path file) throws IOException {
        try {
            KeyStore both = KeyStore.getInstance("PKCS12");
            both.load(null, null);
            CertificateFactory x509 = CertificateFactory.getInstance("X.509");
            int i = 0;
            for (DevVault v : new DevVault[] { vault, vault2 }) {
                try (InputStream in = Files.newInputStream(v.caCertificatePath())) {
                    both.setCertificateEntry("dev-vault-" + i++, x509.generateCertificate(in));
                }
            }
            try (OutputStream out = Files.newOutputStream(file)) {
                both.store(out, vault.trustStorePassword().toCharArray());
            }
            return file;
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    /** Puts the baseline .env back and clears faults (tests share the app). */
    static void reset() {
        LeakCheck.attach();
        try {
            Files.writeString(envFile, baseline);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (vault != null) {
            vault.faults().clear();
            if (!vault.secretValue("admin-secret").equals(java.util.Optional.of(ADMIN_SECRET))) {
                vault.setSecret("admin-secret", ADMIN_SECRET);
            }
            vault.journal().reset();
        }
        if (vault2 != null) {
            vault2.faults().clear();
            vault2.journal().reset();
        }
    }

    @Override
    public void stop() {
        if (vault != null) {
            vault.close();
        }
        if (vault2 != null) {
            vault2.close();
            vault2 = null;
        }
    }
}
