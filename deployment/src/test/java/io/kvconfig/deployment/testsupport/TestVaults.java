package io.kvconfig.deployment.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;

import javax.management.Attribute;
import javax.management.AttributeList;
import javax.management.DynamicMBean;
import javax.management.MBeanInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;

import io.kvconfig.devvault.DevVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * In-process dev vaults for tests, one per key per JVM.
 * <p>
 * QuarkusUnitTest loads a test class twice: JUnit's copy builds the app, Quarkus's copy (another class loader) runs
 * the test methods. Both must talk to the SAME vault, so the vault is registered in the platform MBean server and
 * used through {@link Vault}, a facade that only passes JDK types across the class-loader boundary.
 */
public final class TestVaults {

    private TestVaults() {
    }

    public static Vault shared(String key) {
        return shared(key, b -> {
        });
    }

    /** The vault registered under {@code key}, started (with {@code customizer}) by whichever copy comes first. */
    public static Vault shared(String key, Consumer<DevVault.Builder> customizer) {
        MBeanServer server = ManagementFactory.getPlatformMBeanServer();
        ObjectName name = Vault.objectName(key);
        synchronized (server) {
            if (!server.isRegistered(name)) {
                // TLS material in a fresh directory: nothing an earlier run left under target/ is reused
                DevVault.Builder b = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(freshDirectory(key));
                customizer.accept(b);
                DevVault vault = b.build().start();
                Runtime.getRuntime().addShutdownHook(new Thread(vault::close));
                try {
                    server.registerMBean(new VaultBean(vault), name);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return new Vault(name);
    }

    private static Path freshDirectory(String key) {
        try {
            return Files.createTempDirectory("kvconfig-test-vault-" + key);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * {@code action}'s result, computed once per JVM under {@code key}: both class-loader copies of a test class get
     * the same answer (e.g. the version id of a secret set in a static initialiser).
     */
    public static String once(String key, java.util.function.Supplier<String> action) {
        synchronized (System.getProperties()) {
            String name = "kvconfig.test.once." + key;
            String known = System.getProperty(name);
            if (known == null) {
                known = action.get();
                System.setProperty(name, known);
            }
            return known;
        }
    }

    /** The runtime config pointing the extension at {@code vault} (what the Dev Service would provide). */
    public static Map<String, String> appConfig(Vault vault) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("quarkus.kvconfig.url", vault.vaultUrl());
        c.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        c.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        c.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath());
        c.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        c.put("quarkus.kvconfig.challenge-resource-verification", "false");
        c.put("quarkus.kvconfig.devservices.enabled", "false");
        return c;
    }

    public static QuarkusUnitTest pointAt(QuarkusUnitTest test, Vault vault) {
        appConfig(vault).forEach(test::overrideConfigKey);
        return test;
    }

    /** Exposes a DevVault through JDK types only. */
    static final class VaultBean implements DynamicMBean {
        private final DevVault vault;

        VaultBean(DevVault vault) {
            this.vault = vault;
        }

        @Override
        public Object getAttribute(String attribute) {
            return switch (attribute) {
                case "VaultUrl" -> vault.vaultUrl();
                case "IdentityEndpoint" -> vault.identityEndpoint();
                case "IdentityHeader" -> vault.identityHeader();
                case "TrustStorePath" -> vault.trustStorePath().toString();
                case "TrustStorePassword" -> vault.trustStorePassword();
                case "ResourceGroup" -> vault.resourceGroup();
                default -> throw new IllegalArgumentException(attribute);
            };
        }

        @Override
        public Object invoke(String action, Object[] p, String[] signature) {
            switch (action) {
                case "count":
                    return vault.journal().count((String) p[0]);
                case "gets": {
                    String secret = "/secrets/" + ((String) p[0]).toLowerCase(java.util.Locale.ROOT);
                    return vault.journal().entries().stream().filter(e -> e.operation().equals("GetSecret"))
                            .map(e -> e.path().toLowerCase(java.util.Locale.ROOT))
                            .filter(path -> path.endsWith(secret) || path.contains(secret + "/")).count();
                }
                case "denySecret":
                    vault.secretAccess().denySecret((String) p[0]);
                    return null;
                case "allowSecret":
                    vault.secretAccess().allowSecret((String) p[0]);
                    return null;
                case "setSecret":
                    return vault.setSecret((String) p[0], (String) p[1]);
                case "secretValue":
                    return vault.secretValue((String) p[0]).orElse(null);
                case "defaultAction":
                    vault.firewall().defaultAction((String) p[0]);
                    return null;
                case "throttleNext":
                    vault.faults().throttleNext((Integer) p[0], (Integer) p[1]);
                    return null;
                case "latencyMillis":
                    vault.faults().latency(Duration.ofMillis((Long) p[0]));
                    return null;
                case "resetJournal":
                    vault.journal().reset();
                    return null;
                case "issueToken":
                    return vault.issueToken((String) p[0], Duration.ofMinutes(10));
                default:
                    throw new IllegalArgumentException(action);
            }
        }

        @Override
        public void setAttribute(Attribute attribute) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AttributeList getAttributes(String[] attributes) {
            AttributeList l = new AttributeList();
            for (String a : attributes) {
                l.add(new Attribute(a, getAttribute(a)));
            }
            return l;
        }

        @Override
        public AttributeList setAttributes(AttributeList attributes) {
            throw new UnsupportedOperationException();
        }

        @Override
        public MBeanInfo getMBeanInfo() {
            return new MBeanInfo(VaultBean.class.getName(), "kvconfig test dev vault", null, null, null, null);
        }
    }
}
