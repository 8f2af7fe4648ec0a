package io.kvconfig.runtime.config;

import io.kvconfig.runtime.firewall.FirewallAllowlister;
import io.kvconfig.runtime.firewall.FirewallSettings;
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
     * @param devOrTest in dev/test launch mode allowlisting only ever talks to a loopback Resource Manager (the dev
     *        vault's)
     */
    public static SecretResolver create(KeyVaultClients clients, KeyVaultSettings settings, FirewallSettings firewall,
            boolean devOrTest) {
        // the allowlister is the hook: allowlist before the first data-plane call, re-add on a ForbiddenByConnection
        FirewallHook hook = firewall.enabled() ? FirewallAllowlister.create(firewall, clients, devOrTest) : null;
        return new SecretResolver(clients, settings, hook);
    }

    /**
     * The resolver of a refresh: the same, but the firewall step only reacts to a refusal (ForbiddenByConnection: re-add
     * the rule, retry once). Allowlisting ran before the startup batch; running it again before every refresh would
     * cost Resource Manager and IP echo calls each period for nothing.
     */
    public static SecretResolver forRefresh(KeyVaultClients clients, KeyVaultSettings settings, FirewallSettings firewall,
            boolean devOrTest) {
        if (!firewall.enabled()) {
            return new SecretResolver(clients, settings, null);
        }
        FirewallHook allowlister = FirewallAllowlister.create(firewall, clients, devOrTest);
        FirewallHook reactive = new FirewallHook() {
            @Override
            public void beforeResolve() {
            }

            @Override
            public boolean onForbiddenByConnection(String vaultUrl) {
                return allowlister.onForbiddenByConnection(vaultUrl);
            }
        };
        return new SecretResolver(clients, settings, reactive);
    }
}
