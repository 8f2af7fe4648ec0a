package io.kvconfig.runtime.firewall;

import java.util.Objects;
import java.util.function.Supplier;

import io.kvconfig.runtime.resolve.FirewallHook;

/**
 * The resolver's firewall hook when allowlisting runs only after a refusal ({@code quarkus.kvconfig.firewall.when=on-refusal},
 * and every refresh): nothing before the first request; on a {@code ForbiddenByConnection} the allowlister runs (re-adds
 * the rule, waits until it is effective) and the resolver retries once.
 * <p>
 * The allowlister is created on the first refusal only: it brings Azure Resource Manager's clients, the IP echo and
 * the data-plane probe (about 650 classes in a cold JVM), which a start whose address is already allowed never needs.
 * This class therefore names none of them.
 */
public final class OnRefusalAllowlisting implements FirewallHook {

    private final Supplier<? extends FirewallHook> factory;
    private volatile FirewallHook allowlister;

    /** @param factory creates the allowlister, on the first refusal (called at most once) */
    public OnRefusalAllowlisting(Supplier<? extends FirewallHook> factory) {
        this.factory = Objects.requireNonNull(factory);
    }

    @Override
    public void beforeResolve() {
        // on refusal only: a start whose address is allowed sends no IP echo or Resource Manager request
    }

    @Override
    public boolean onForbiddenByConnection(String vaultUrl) {
        return allowlister().onForbiddenByConnection(vaultUrl);
    }

    private FirewallHook allowlister() {
        FirewallHook a = allowlister;
        if (a == null) {
            synchronized (this) {
                a = allowlister;
                if (a == null) {
                    a = Objects.requireNonNull(factory.get(), "allowlister");
                    allowlister = a;
                }
            }
        }
        return a;
    }
}
