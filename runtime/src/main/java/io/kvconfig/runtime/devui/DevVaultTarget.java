package io.kvconfig.runtime.devui;

import java.util.Locale;
import java.util.Optional;

import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigValue;

import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * The Dev Service's dev vault, when it is the vault the app talks to: its URL came from the Dev Services config
 * source and the app's clients use that URL. Anything else (a vault the app configured itself, in dev mode) is a real
 * vault, which the Dev UI only reads references and allowlisting of, and never writes to.
 *
 * @param url the dev vault's URL
 * @param vaultName the emulated vault resource's name (for its Resource Manager firewall rules)
 * @param resourceGroup the emulated vault's resource group
 * @param subscriptionId the emulated vault's subscription
 */
record DevVaultTarget(String url, String vaultName, String resourceGroup, String subscriptionId) {

    /** Informational properties the deployment's DevVaultProcessor publishes with the dev vault's config. */
    static final String INFO_SUBSCRIPTION = "kvconfig.dev-vault.subscription-id";
    static final String INFO_RESOURCE_GROUP = "kvconfig.dev-vault.resource-group";
    static final String INFO_VAULT_NAME = "kvconfig.dev-vault.vault-name";
    /** The config source of the running Dev Services (Quarkus's and the extension's own are both named so). */
    static final String DEV_SERVICES_SOURCE = "DevServices";

    /**
     * The dev vault, if the Dev Service runs and the app's vault is it.
     *
     * @param appVaultUrl the URL of the vault the app's clients use
     */
    static Optional<DevVaultTarget> find(Config config, Optional<String> appVaultUrl) {
        ConfigValue url = config.getConfigValue(KeyVaultSettings.URL);
        String source = url.getSourceName();
        if (url.getValue() == null || source == null || !source.startsWith(DEV_SERVICES_SOURCE)) {
            return Optional.empty();
        }
        if (appVaultUrl.map(DevVaultTarget::normalise).filter(normalise(url.getValue())::equals).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(new DevVaultTarget(normalise(url.getValue()), value(config, INFO_VAULT_NAME),
                value(config, INFO_RESOURCE_GROUP), value(config, INFO_SUBSCRIPTION)));
    }

    private static String value(Config config, String name) {
        return config.getOptionalValue(name, String.class).orElse(null);
    }

    static String normalise(String url) {
        String u = url.strip().toLowerCase(Locale.ROOT);
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        return u;
    }
}
