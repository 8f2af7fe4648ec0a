package io.kvconfig.deployment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import org.jboss.logging.Logger;

import io.kvconfig.devvault.DevVault;
import io.quarkus.deployment.builditem.Startable;

/** The in-process dev vault as a Quarkus Dev Service; also stopped by a JVM shutdown hook. */
final class DevVaultStartable implements Startable {

    private static final Logger LOG = Logger.getLogger(DevVaultStartable.class);

    private final Path stateFile;
    private final Path trustStoreDir;
    private final String publicIp;
    private final Map<String, String> seed;
    private final String defaultAction;
    private final Map<String, List<String>> references;
    private final Path dotEnv;
    private volatile DevVault vault;
    private volatile Path tempDir;
    private volatile Thread shutdownHook;

    /**
     * @param stateFile where the dev vault keeps its state, or null for none (its TLS material then goes to a temp
     *        directory, removed at close)
     * @param references the secrets the app's required default-vault references ask for, with their properties
     * @param dotEnv the working directory's .env, named in the hint when a referenced secret is missing
     */
    DevVaultStartable(Path stateFile, Path trustStoreDir, String publicIp, Map<String, String> seed, String defaultAction,
            Map<String, List<String>> references, Path dotEnv) {
        this.defaultAction = defaultAction;
        this.stateFile = stateFile;
        this.trustStoreDir = trustStoreDir;
        this.publicIp = publicIp;
        this.seed = Map.copyOf(seed);
        this.references = Map.copyOf(references);
        this.dotEnv = dotEnv;
    }

    @Override
    public synchronized void start() {
        if (vault != null) {
            return;
        }
        try {
            Path tls = trustStoreDir;
            if (tls == null) {
                tempDir = Files.createTempDirectory("kvconfig-dev-vault");
                tls = tempDir.resolve("tls");
            }
            DevVault.Builder b = DevVault.builder()
                    .httpsPort(0)
                    .tokenPort(0)
                    .publicIp(publicIp)
                    .trustStoreDir(tls)
                    .defaultAction(defaultAction);
            if (stateFile != null) {
                b.stateFile(stateFile);
            }
            // with a state file, an unchanged seed leaves the secret alone: a value changed (or deleted) since, e.g.
            // through the service's API, survives restarts; a changed seed becomes a new version
            seed.forEach(b::secret);
            vault = b.build().start();
        } catch (Exception e) {
            deleteTempDir();
            throw new IllegalStateException("Could not start the Key Vault dev vault: " + e.getMessage(), e);
        }
        Thread hook = new Thread(this::closeQuietly, "kvconfig-dev-vault-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        shutdownHook = hook;
        LOG.infof("Dev Services for Azure Key Vault started the dev vault at %s (state: %s, %d seed secret(s))",
                vault.vaultUrl(), stateFile == null ? "none, starts from the seeds" : stateFile, seed.size());
        String hint = missingSecretsHint(vault.secretNames());
        if (hint != null) {
            LOG.warn(hint);
        }
    }

    /**
     * When a required reference names a secret the dev vault does not hold (its state was deleted, e.g. by an older
     * default that kept it under target/, while .env still refers to it), startup is about to fail with "not found":
     * say where the state is and how to reset the dev vault and the references together. Names only, never values.
     */
    String missingSecretsHint(List<String> present) {
        Set<String> have = present.stream().map(n -> n.toLowerCase(java.util.Locale.ROOT)).collect(Collectors.toSet());
        Map<String, List<String>> missing = new TreeMap<>();
        // Key Vault names are case-insensitive
        references.forEach((secret, properties) -> {
            if (!have.contains(secret.toLowerCase(java.util.Locale.ROOT))) {
                missing.put(secret, properties);
            }
        });
        if (missing.isEmpty()) {
            return null;
        }
        String which = missing.entrySet().stream()
                .map(e -> "'" + e.getKey() + "' (referenced by " + String.join(", ", e.getValue()) + ")")
                .collect(Collectors.joining(", "));
        String seedExample = "quarkus.kvconfig.devservices.secrets.\"" + missing.keySet().iterator().next() + "\"=<value>";
        if (stateFile == null) {
            return "Dev Services for Azure Key Vault: the dev vault has no secret " + which + ", so startup will fail on"
                    + " it. This dev vault keeps no state (it starts from its seeds): seed it with " + seedExample + ".";
        }
        Path stateDir = stateFile.getParent();
        return "Dev Services for Azure Key Vault: the dev vault has no secret " + which + ", so startup will fail on it."
                + " Its state is " + stateFile + "; " + dotEnv + " may still refer to secrets of a dev vault state that"
                + " is gone. To start over, reset both in one step: rm -r " + stateDir + " " + dotEnv
                + " (or remove only those lines from .env), or seed the secret with " + seedExample + ".";
    }

    DevVault vault() {
        DevVault v = vault;
        if (v == null) {
            throw new IllegalStateException("dev vault not started");
        }
        return v;
    }

    @Override
    public String getConnectionInfo() {
        DevVault v = vault;
        return v == null ? null : v.vaultUrl();
    }

    @Override
    public String getContainerId() {
        return null;
    }

    @Override
    public synchronized void close() {
        closeQuietly();
        Thread hook = shutdownHook;
        shutdownHook = null;
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // JVM already shutting down
            }
        }
    }

    private void closeQuietly() {
        DevVault v = vault;
        vault = null;
        if (v != null) {
            try {
                v.close();
            } catch (Exception e) {
                LOG.debugf("Closing the dev vault failed: %s", e.toString());
            }
        }
        deleteTempDir();
    }

    private void deleteTempDir() {
        Path dir = tempDir;
        tempDir = null;
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> {
                try {
                    Files.deleteIfExists(f);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            LOG.debugf("Could not remove the dev vault's temp directory %s: %s", dir, e.toString());
        }
    }
}
