package io.kvconfig.runtime.config;

import java.util.Map;
import java.util.Optional;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/** Calls the shared resolver in one batch; the only place that knows its API. */
final class Resolver {

    private Resolver() {
    }

    /**
     * @return by property: the value, or empty for a missing optional secret
     * @throws RuntimeException the resolver's aggregated failure
     */
    static Map<String, Optional<String>> resolve(KeyVaultSettings settings, Map<String, SecretReference> references) {
        KeyVaultClients clients = KvConfigRuntime.clients(settings);
        throw new UnsupportedOperationException("pending SecretResolver");
    }
}
