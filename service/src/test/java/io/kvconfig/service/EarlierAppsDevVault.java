package io.kvconfig.service;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Map;
import java.util.UUID;

import io.kvconfig.devvault.DevVault;
import io.quarkus.devservices.crossclassloader.runtime.RunningDevServicesRegistry;

/**
 * The dev vault that the extension's Dev Service started for an EARLIER test app of the same JVM (as DevServiceTest's
 * app leaves it), still registered with Quarkus's Dev Services when the next app starts: its config reaches every app
 * of the launch mode unless the extension closes it. A test that asserts "no vault" then proves it whatever ran before
 * it, or nothing: the precondition is made here, not left to the test order. Registered as the Dev Service registers
 * it (feature {@code kvconfig}, service {@code kvconfig-dev-vault}, launch mode TEST), with the config it provides.
 * <p>
 * {@link #register()} runs from the test profile's config overrides, i.e. before the app's Dev Services start (a test
 * resource starts after them). The profile and the test see this class from different class loaders, so what happened
 * is kept in system properties, and the registry is reached through the system class loader.
 */
final class EarlierAppsDevVault {

    private static final String PREFIX = "kvconfig.test.earlier-dev-vault.";

    private EarlierAppsDevVault() {
    }

    /** Starts and registers the earlier app's dev vault, once per JVM. */
    static synchronized void register() {
        if (System.getProperty(PREFIX + "url") != null) {
            return;
        }
        try {
            DevVault v = DevVault.builder().httpsPort(0).tokenPort(0)
                    .trustStoreDir(Files.createTempDirectory("kvconfig-earlier-dev-vault").resolve("tls")).build().start();
            v.setSecret("admin-secret", "earlier-apps-admin-secret");
            Map<String, String> provided = Map.of("quarkus.kvconfig.url", v.vaultUrl(),
                    "quarkus.kvconfig.credential.identity-endpoint", v.identityEndpoint(),
                    "quarkus.kvconfig.credential.identity-header", v.identityHeader(),
                    "quarkus.kvconfig.tls.trust-store", v.caCertificatePath().toString(),
                    "quarkus.kvconfig.challenge-resource-verification", "false");
            java.io.Closeable close = () -> {
                System.setProperty(PREFIX + "requests-before-close", Long.toString(v.journal().total()));
                System.setProperty(PREFIX + "closed", "true");
                v.close();
            };
            // the profile is loaded by the test framework's own (parent-last) loader, which holds a copy of Quarkus's
            // classes of its own: the registry the apps share is the one of the system class loader
            register(ClassLoader.getSystemClassLoader(), provided, close);
            System.setProperty(PREFIX + "url", v.vaultUrl());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** As the Dev Services registry build item registers a started service, through the given loader's classes. */
    private static void register(ClassLoader loader, Map<String, String> provided, java.io.Closeable close)
            throws ReflectiveOperationException {
        String pkg = RunningDevServicesRegistry.class.getPackageName() + ".";
        Class<?> registry = Class.forName(pkg + "RunningDevServicesRegistry", true, loader);
        Class<?> service = Class.forName(pkg + "RunningService", true, loader);
        Class<?> owner = Class.forName(pkg + "DevServiceOwner", true, loader);
        Class<?> key = Class.forName(pkg + "ComparableDevServicesConfig", true, loader);
        Object running = service.getConstructor(String.class, String.class, Map.class, Map.class, String.class,
                java.io.Closeable.class).newInstance("kvconfig", "Azure Key Vault dev vault (in-process)", provided,
                        Map.of(), null, close);
        Object ownerValue = owner.getConstructor(String.class, String.class, String.class).newInstance("kvconfig", "TEST",
                "kvconfig-dev-vault");
        Object keyValue = key.getConstructor(UUID.class, owner, Object.class, Object.class).newInstance(UUID.randomUUID(),
                ownerValue, null, "an earlier test app's config");
        Object instance = registry.getField("INSTANCE").get(null);
        registry.getMethod("addRunningService", key, service).invoke(instance, keyValue, running);
    }

    /** The earlier app's dev vault URL, or null when it was never started. */
    static String url() {
        return System.getProperty(PREFIX + "url");
    }

    /** Whether Quarkus closed it (the next app's Dev Service step asks it to). */
    static boolean closed() {
        return Boolean.getBoolean(PREFIX + "closed");
    }

    /** Requests it answered before it was closed (-1: not closed). */
    static long requestsBeforeClose() {
        return Long.parseLong(System.getProperty(PREFIX + "requests-before-close", "-1"));
    }
}
