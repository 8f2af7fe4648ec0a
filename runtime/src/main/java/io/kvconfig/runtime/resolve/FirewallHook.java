package io.kvconfig.runtime.resolve;

/**
 * Vault firewall allowlisting, implemented by {@code io.kvconfig.runtime.firewall}. The resolver calls it from
 * the resolving thread (blocking is fine); the time spent inside the hook does not count against the startup
 * deadline (the hook has its own propagation timeout).
 */
public interface FirewallHook {

    /** Called once per resolution, before the first data-plane call, when allowlisting is configured. */
    void beforeResolve();

    /**
     * Called when a secret request got 403 ForbiddenByConnection/ForbiddenByFirewall: at most once per vault per
     * resolution (once per resolution with the usual single vault).
     *
     * @return true if a rule was (re)added and the blocked requests should be retried
     */
    boolean onForbiddenByConnection(String vaultUrl);
}
