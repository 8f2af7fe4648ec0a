package io.kvconfig.runtime.firewall;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

import com.azure.core.management.AzureEnvironment;

/**
 * The Azure clouds a Key Vault can live in, keyed by the vault host's DNS suffix. Gives the vault name
 * (the host's first label) and the cloud's Resource Manager environment. Managed HSM hosts are not vaults
 * with network ACLs of this kind and are not recognised.
 */
public enum KeyVaultCloud {
    AZURE("vault.azure.net", AzureEnvironment.AZURE),
    AZURE_CHINA("vault.azure.cn", AzureEnvironment.AZURE_CHINA),
    AZURE_US_GOVERNMENT("vault.usgovcloudapi.net", AzureEnvironment.AZURE_US_GOVERNMENT),
    AZURE_GERMANY("vault.microsoftazure.de", AzureEnvironment.AZURE_GERMANY);

    /** Key Vault's name rule: 3-24 of letters, digits, hyphens; starts with a letter; no "--"; no trailing hyphen. */
    private static final Pattern VAULT_NAME = Pattern.compile("[a-z](?!.*--)[a-z0-9-]{1,22}[a-z0-9]");

    private final String dnsSuffix;
    private final AzureEnvironment environment;

    KeyVaultCloud(String dnsSuffix, AzureEnvironment environment) {
        this.dnsSuffix = dnsSuffix;
        this.environment = environment;
    }

    public String dnsSuffix() {
        return dnsSuffix;
    }

    public AzureEnvironment environment() {
        return environment;
    }

    /** e.g. "https://management.azure.com/" */
    public String resourceManagerUrl() {
        return environment.getResourceManagerEndpoint();
    }

    /** The cloud whose Key Vault DNS suffix the URL's host ends with. */
    public static Optional<KeyVaultCloud> ofVaultUrl(String vaultUrl) {
        return host(vaultUrl).flatMap(KeyVaultCloud::ofHost);
    }

    public static Optional<KeyVaultCloud> ofHost(String host) {
        String h = normalise(host);
        for (KeyVaultCloud c : values()) {
            if (h.endsWith("." + c.dnsSuffix)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /**
     * The vault name from a vault URL such as "https://my-vault.vault.azure.net/": the first label of a
     * host under one of the clouds' Key Vault suffixes, if it is a valid vault name. Empty for any other
     * host (the dev vault's localhost, a proxy), for which the name must be configured.
     */
    public static Optional<String> vaultNameOf(String vaultUrl) {
        Optional<String> host = host(vaultUrl).map(KeyVaultCloud::normalise);
        if (host.isEmpty() || ofHost(host.get()).isEmpty()) {
            return Optional.empty();
        }
        String h = host.get();
        String label = h.substring(0, h.indexOf('.'));
        // "a.b.vault.azure.net" is not a vault host: the name must be the only label before the suffix
        KeyVaultCloud cloud = ofHost(h).get();
        if (h.length() != label.length() + 1 + cloud.dnsSuffix.length()) {
            return Optional.empty();
        }
        return VAULT_NAME.matcher(label).matches() ? Optional.of(label) : Optional.empty();
    }

    private static Optional<String> host(String url) {
        if (url == null || url.isBlank()) {
            return Optional.empty();
        }
        try {
            String s = url.strip();
            URI uri = URI.create(s.contains("://") ? s : "https://" + s);
            return Optional.ofNullable(uri.getHost());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private static String normalise(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
