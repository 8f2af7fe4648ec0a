package io.kvconfig.runtime.firewall;

import java.time.Duration;

import com.azure.security.keyvault.secrets.SecretAsyncClient;

import io.kvconfig.runtime.vault.ErrorClassifier;

/**
 * A cheap data-plane call telling whether the vault firewall lets this machine through right now. Only a refusal the
 * {@link ErrorClassifier} reads as the firewall's counts as blocked: any other answer (a page of secret names, a 403
 * for missing data-plane permission, a 404) means the firewall is no longer in the way.
 */
@FunctionalInterface
public interface DataPlaneProbe {

    boolean passesFirewall();

    /** Lists one page of secret properties (names only, never values). */
    static DataPlaneProbe listOnePage(SecretAsyncClient client, Duration timeout) {
        return () -> {
            try {
                client.listPropertiesOfSecrets().byPage().next().block(timeout);
                return true;
            } catch (RuntimeException e) {
                return !ErrorClassifier.isFirewallRefusal(e);
            }
        };
    }
}
