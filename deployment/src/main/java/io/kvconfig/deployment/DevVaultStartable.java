package io.kvconfig.deployment;

import java.nio.file.Path;
import java.util.Map;

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
    private volatile DevVault vault;
    private volatile Thread shutdownHook;

    DevVaultStartable(Path stateFile, Path trustStoreDir, String publicIp, Map<String, String> seed, String defaultAction) {
        this.defaultAction = defaultAction;
        this.stateFile = stateFile;
        this.trustStoreDir = trustStoreDir;
        this.publicIp = publicIp;
        this.seed = Map.copyOf(seed);
    }

    @Override
    public synchronized void start() {
        if (vault != null) {
            return;
        }
        try {
            DevVault.Builder b = DevVault.builder()
                    .httpsPort(0)
                    .tokenPort(0)
                    .publicIp(publicIp)
                    .stateFile(stateFile)
                    .trustStoreDir(trustStoreDir)
                    .defaultAction(defaultAction);
            // seeded only when the state file does not hold the name yet: a value changed (or deleted) since, e.g.
            // through the service's API, survives restarts instead of being reset to the seed
            seed.forEach(b::secret);
            vault = b.build().start();
        } catch (Exception e) {
            throw new IllegalStateException("Could not start the Key Vault dev vault: " + e.getMessage(), e);
        }
        Thread hook = new Thread(this::closeQuietly, "kvconfig-dev-vault-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        shutdownHook = hook;
        LOG.infof("Dev Services for Azure Key Vault started the dev vault at %s (state: %s, %d seed secret(s), set when absent)",
                vault.vaultUrl(), stateFile, seed.size());
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
    }
}
