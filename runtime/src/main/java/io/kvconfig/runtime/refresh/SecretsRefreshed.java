package io.kvconfig.runtime.refresh;

import java.util.List;

/**
 * CDI event fired (synchronously and asynchronously: observe it with {@code @Observes} or {@code @ObservesAsync})
 * after a refresh in which at least one secret got a new version. Carries names only, never a value: read the new
 * value through {@code Config}, a {@code Provider<String>} or {@code KeyVault.current(property)}, e.g. to reconnect a
 * pool or re-create a client.
 *
 * @param properties the properties whose value changed
 * @param secrets the secret names whose version changed
 */
public record SecretsRefreshed(List<String> properties, List<String> secrets) {

    public SecretsRefreshed {
        properties = List.copyOf(properties);
        secrets = List.copyOf(secrets);
    }
}
