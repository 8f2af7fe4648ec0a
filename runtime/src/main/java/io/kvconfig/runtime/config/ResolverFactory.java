package io.kvconfig.runtime.config;

import io.kvconfig.runtime.firewall.FirewallAllowlister;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.firewall.OnRefusalAllowlisting;
import io.kvconfig.runtime.resolve.FirewallHook;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * Wires THE resolver ({@link SecretResolver}) for the {@code @kv:} interceptor and the entrypoint's CLI alike: the
 * given clients, and the firewall hook when allowlisting is configured.
 */
public final class ResolverFactory {

    private ResolverFactory() {
    }

    /**
     * The resolver of the startup batch (and the CLI). With {@code quarkus.kvconfig.firewall.when=startup} the
     * allowlister is the hook: allowlist before the first data-plane call, re-add on a ForbiddenByConnection. With
     * {@code on-refusal} only the latter, and the allowlister is created on the first refusal.
     *
     * @param devOrTest in dev/test launch mode allowlisting only ever talks to a loopback Resource Manager (the dev
     *        vault's)
     */
    public static SecretResolver create(KeyVaultClients clients, KeyVaultSettings settings, FirewallSettings firewall,
            boolean devOrTest) {
        if (!firewall.enabled()) {
            return new SecretResolver(clients, settings, null);
        }
        FirewallHook hook = firewall.onRefusalOnly() ? onRefusal(clients, firewall, devOrTest)
                : FirewallAllowlister.create(firewall, clients, devOrTest);
        return new SecretResolver(clients, settings, hook);
    }

    /**
     * The resolver of a refresh: the firewall step only reacts to a refusal (ForbiddenByConnection: re-add the rule,
     * retry once), in either mode. Running it before every refresh would cost Resource Manager and IP echo calls each
     * period for nothing.
     */
    public static SecretResolver forRefresh(KeyVaultClients clients, KeyVaultSettings settings, FirewallSettings firewall,
            boolean devOrTest) {
        if (!firewall.enabled()) {
            return new SecretResolver(clients, settings, null);
        }
        return new SecretResolver(clients, settings, onRefusal(clients, firewall, devOrTest));
    }

    private static FirewallHook onRefusal(KeyVaultClients clients, FirewallSettings firewall, boolean devOrTest) {
        // the allowlister (Resource Manager, IP echo, probe) is built on the first refusal, never before
        return new OnRefusalAllowlisting(() -> FirewallAllowlister.create(firewall, clients, devOrTest));
    }
}
