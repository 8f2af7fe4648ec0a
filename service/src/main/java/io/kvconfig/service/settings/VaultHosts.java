package io.kvconfig.service.settings;

import java.net.URI;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Collectors;

import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.firewall.KeyVaultCloud;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReferenceParser;

/**
 * Which vault URLs the service accepts through its API: a Key Vault host of an Azure cloud
 * ({@code <name>.vault.azure.net}, {@code .vault.azure.cn}, {@code .vault.usgovcloudapi.net},
 * {@code .vault.microsoftazure.de}), or, in dev and test launch mode only, a loopback host (the dev vault). Any other
 * host would receive the service's Key Vault bearer token at the next start.
 */
final class VaultHosts {

    static final String CLOUD_HOSTS = Arrays.stream(KeyVaultCloud.values()).map(c -> "<name>." + c.dnsSuffix())
            .collect(Collectors.joining(", "));

    private VaultHosts() {
    }

    /** Why this vault URL is refused, or empty when it is accepted. Never quotes the URL. */
    static Optional<String> refusal(String vaultUrl, boolean devOrTest) {
        String normalised;
        try {
            normalised = SecretReferenceParser.normalizeVaultUrl(vaultUrl);
        } catch (InvalidReferenceException e) {
            return Optional.of("is not a vault URL: expected https://<name>.vault.azure.net");
        }
        String host = URI.create(normalised).getHost();
        if (KeyVaultCloud.vaultNameOf(normalised).isPresent()) {
            return Optional.empty();
        }
        if (devOrTest && host != null && KvConfigMapping.isLoopback(host)) {
            return Optional.empty();
        }
        return Optional.of("is not an Azure Key Vault host (" + CLOUD_HOSTS + (devOrTest ? ", or loopback in dev/test" : "")
                + "): the service would send its Key Vault token there");
    }
}
