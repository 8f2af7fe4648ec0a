package io.kvconfig.runtime;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.ConfigProvider;

import com.azure.security.keyvault.secrets.SecretAsyncClient;

import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.refresh.LiveReferences;
import io.kvconfig.runtime.refresh.RefreshResult;
import io.kvconfig.runtime.refresh.SecretsRefreshed;
import io.kvconfig.runtime.refresh.StaleReference;
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
        return VaultProbe.probe(clients().reader(vaultUrl().orElseThrow(() -> new IllegalStateException(NOT_CONFIGURED))));
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

    /**
     * The current value of {@code property} when it is a resolved {@code @kv:} reference: the value read at startup,
     * or the newer one of the last refresh that saw a new version. Empty when the property is not a resolved reference
     * (not a reference, left alone, an optional secret that does not exist, or nothing resolved yet). The value is
     * never logged. Unlike {@code Config.getValue}, it is not refused for a hidden (secret-key) property: the caller
     * names the property it wants from Key Vault.
     */
    public Optional<String> current(String property) {
        if (property == null) {
            return Optional.empty();
        }
        return KvConfigRuntime.liveReferences().flatMap(live -> live.current(property));
    }

    /**
     * Re-reads every unpinned reference now ({@code @kv:name}; a pinned {@code @kv:name/<version>} never changes), in
     * ONE batch with the startup resolver (one GET per distinct secret, shared backoff, firewall step). A value is
     * replaced only when its secret's version changed; then {@link SecretsRefreshed} is fired. A reference that cannot
     * be re-read keeps its last good value and is listed in {@link RefreshResult#failures()}. Works whether or not
     * {@code quarkus.kvconfig.refresh.period} is set. Completes with an empty result when nothing was resolved.
     */
    public CompletionStage<RefreshResult> refresh() {
        return KvConfigRuntime.liveReferences().map(LiveReferences::refresh)
                .orElseGet(() -> CompletableFuture.completedFuture(RefreshResult.empty()));
    }

    /**
     * Re-reads only the unpinned references to secret {@code secretName} in vault {@code vaultUrl} (any spelling
     * {@code quarkus.kvconfig.url} accepts; compared normalised, {@code https://host[:port]}; the secret name compared
     * as Key Vault does, ignoring case): ONE GET. Completes with an empty result, sending nothing, when no reference
     * matches. Otherwise as {@link #refresh()}.
     *
     * @throws IllegalArgumentException when {@code vaultUrl} is not a valid vault URL (the message says why)
     */
    public CompletionStage<RefreshResult> refresh(String vaultUrl, String secretName) {
        String vault = SecretReferenceParser.normalizeVaultUrl(vaultUrl);
        if (secretName == null || secretName.isBlank()) {
            throw new IllegalArgumentException("Secret name is empty");
        }
        return KvConfigRuntime.liveReferences().map(live -> live.refresh(vault, secretName.strip()))
                .orElseGet(() -> CompletableFuture.completedFuture(RefreshResult.empty()));
    }

    /**
     * The references whose last refresh failed, with the failure kind and since when: they keep serving their last
     * good value (a deleted or disabled secret included). Names only; empty when every refresh succeeded.
     */
    public List<StaleReference> staleReferences() {
        return KvConfigRuntime.liveReferences().map(LiveReferences::stale).orElse(List.of());
    }

    /**
     * True when {@code quarkus.kvconfig.refresh.period} is set (and the extension is not turned off with
     * {@code quarkus.kvconfig.enabled=false}): values are re-read in the background.
     */
    public boolean refreshEnabled() {
        var config = ConfigProvider.getConfig();
        return config.getOptionalValue(KvConfigMapping.REFRESH_PERIOD, String.class).filter(v -> !v.isBlank()).isPresent()
                && !config.getOptionalValue(KvConfigMapping.ENABLED, String.class).map(v -> v.strip().equalsIgnoreCase("false"))
                        .orElse(false);
    }

    static KeyVaultSettings settingsFromConfig() {
        var config = ConfigProvider.getConfig();
        return SecretKeys.doUnlocked(() -> KeyVaultSettings.from(name -> config.getOptionalValue(name, String.class)));
    }

    public static final String NOT_CONFIGURED = "No Azure Key Vault is configured: set KEY_VAULT_URL (environment or .env) "
            + "or quarkus.kvconfig.url to the vault URL, e.g. https://my-vault.vault.azure.net";
}
