package io.kvconfig.runtime;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;

import com.azure.security.keyvault.secrets.SecretAsyncClient;

import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.kvconfig.runtime.vault.VaultProbe;
import io.smallrye.config.SecretKeys;

/**
 * The application's view of Key Vault: the ONE shared {@link KeyVaultClients} (the same HTTP client, credential and
 * per-vault secret clients that resolved the {@code @kv:} references at startup) and the startup report.
 * <p>
 * Never exposes a secret value: {@link #references()} lists names and statuses only.
 */
@ApplicationScoped
public class KeyVault {

    /** True when a default vault is configured ({@code quarkus.kvconfig.url} or {@code KEY_VAULT_URL}). */
    public boolean configured() {
        return settings().configured();
    }

    /** The default vault URL, normalised ({@code https://host[:port]}, no trailing slash). */
    public Optional<String> vaultUrl() {
        return settings().vaultUrl();
    }

    /**
     * The async secret client of the default vault.
     *
     * @throws IllegalStateException when no vault is configured, saying how to configure one
     */
    public SecretAsyncClient secrets() {
        return clients().defaultVault().orElseThrow(() -> new IllegalStateException(NOT_CONFIGURED));
    }

    /**
     * ONE authenticated request to the default vault ({@link VaultProbe}), never cached: completes when the vault
     * answered, exceptionally with the SDK's error or a {@link java.util.concurrent.TimeoutException} otherwise.
     * Shared by the readiness check and the service's status.
     *
     * @throws IllegalStateException when no vault is configured
     */
    public CompletableFuture<Void> probe() {
        return VaultProbe.probe(secrets());
    }

    /** The shared clients (created on first use when startup had no reference to resolve). */
    public KeyVaultClients clients() {
        return KvConfigRuntime.currentClients().orElseGet(() -> KvConfigRuntime.clients(settings()));
    }

    /** The last firewall allowlisting run in this process (startup, after a refusal, or an application's own run). */
    public Optional<AllowlistResult> lastAllowlisting() {
        return KvConfigRuntime.lastAllowlisting();
    }

    /** Every {@code @kv:} reference seen at startup with its outcome; no values. */
    public List<ReferenceStatus> references() {
        return KvConfigRuntime.report().references();
    }

    /** The settings in effect (from the startup resolution, else read from the config now). */
    public KeyVaultSettings settings() {
        return KvConfigRuntime.report().settings()
                .or(() -> KvConfigRuntime.currentClients().map(KeyVaultClients::settings))
                .orElseGet(KeyVault::settingsFromConfig);
    }

    static KeyVaultSettings settingsFromConfig() {
        var config = ConfigProvider.getConfig();
        return SecretKeys.doUnlocked(() -> KeyVaultSettings.from(name -> config.getOptionalValue(name, String.class)));
    }

    public static final String NOT_CONFIGURED = "No Azure Key Vault is configured: set KEY_VAULT_URL (environment or .env) "
            + "or quarkus.kvconfig.url to the vault URL, e.g. https://my-vault.vault.azure.net";
}
