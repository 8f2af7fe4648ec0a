package io.kvconfig.runtime.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.firewall.FirewallAllowlister;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.resolve.FirewallHook;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.quarkus.runtime.LaunchMode;

/** Runs one batch through the shared {@link SecretResolver} with the shared clients (and allowlisting when set). */
final class Resolver {

    private Resolver() {
    }

    /**
     * A resolved batch: by property, the value or empty for a missing optional secret; and the resolver's figures
     * (requests sent, fetch time) for the extension's one startup line.
     */
    record Outcome(Map<String, Optional<String>> values, Resolution.Stats stats) {
    }

    /**
     * @param rawValues property -> {@code @kv:} text (malformed ones are reported in the same aggregated error)
     * @throws io.kvconfig.runtime.resolve.ResolutionFailedException listing every failed reference, never a value
     */
    static Outcome resolve(KeyVaultSettings settings, Function<String, Optional<String>> lookup,
            Map<String, String> rawValues) {
        KeyVaultClients clients = KvConfigRuntime.clients(settings);
        Resolution resolution = new SecretResolver(clients, settings, firewallHook(lookup, clients)).resolveValues(rawValues)
                .orThrow();
        Map<String, Optional<String>> out = new LinkedHashMap<>();
        for (String property : rawValues.keySet()) {
            out.put(property, Optional.ofNullable(resolution.values().get(property)));
        }
        return new Outcome(out, resolution.stats());
    }

    /** Allowlisting runs only when a resource group is configured (quarkus.kvconfig.firewall.resource-group / KEY_VAULT_RG). */
    private static FirewallHook firewallHook(Function<String, Optional<String>> lookup, KeyVaultClients clients) {
        FirewallSettings firewall = FirewallSettings.from(lookup);
        if (!firewall.enabled()) {
            return null;
        }
        // the firewall helper's allowlister is the hook: allowlist before the first data-plane call, re-add on a
        // ForbiddenByConnection; in dev/test it only ever talks to a loopback Resource Manager (the dev vault's)
        return FirewallAllowlister.create(firewall, clients, LaunchMode.current().isDevOrTest());
    }
}
