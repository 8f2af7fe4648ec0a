package io.kvconfig.deployment.testsupport;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

import io.kvconfig.devvault.DevVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * In-process dev vaults for tests, one per key per JVM.
 * <p>
 * QuarkusUnitTest loads a test class twice (JUnit's copy builds the app; Quarkus's copy runs the methods), so a
 * vault kept in the test class's own static field would be started twice. This class is never added to an
 * application archive, so both copies reach it through the system class loader and share one vault.
 */
public final class TestVaults {

    private static final Map<String, DevVault> VAULTS = new ConcurrentHashMap<>();

    private TestVaults() {
    }

    public static DevVault shared(String key) {
        return shared(key, b -> {
        });
    }

    public static DevVault shared(String key, Consumer<DevVault.Builder> customizer) {
        return VAULTS.computeIfAbsent(key, k -> {
            DevVault.Builder b = DevVault.builder().httpsPort(0).tokenPort(0)
                    .trustStoreDir(Path.of("target", "test-vaults", k).toAbsolutePath());
            customizer.accept(b);
            DevVault v = b.build().start();
            Runtime.getRuntime().addShutdownHook(new Thread(v::close));
            return v;
        });
    }

    /** The runtime config pointing the extension at {@code vault} (what the Dev Service would provide). */
    public static Map<String, String> appConfig(DevVault vault) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("quarkus.kvconfig.url", vault.vaultUrl());
        c.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        c.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        c.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        c.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        c.put("quarkus.kvconfig.challenge-resource-verification", "false");
        c.put("quarkus.kvconfig.devservices.enabled", "false");
        return c;
    }

    public static QuarkusUnitTest pointAt(QuarkusUnitTest test, DevVault vault) {
        appConfig(vault).forEach(test::overrideConfigKey);
        return test;
    }
}
