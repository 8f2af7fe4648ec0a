package io.kvconfig.devvault;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The vault firewall. Changes through ARM (PUT/PATCH of the vault resource) take effect after the rule delay, as on
 * Azure; changes through this API take effect at once (test setup). ARM reads always show the latest requested
 * configuration.
 */
public final class Firewall {
    private record Pending(long effectiveAtNanos, NetworkRules rules) {
    }

    private final Object lock;
    private final Runnable onChange;
    private NetworkRules desired;
    private NetworkRules effective;
    private final Deque<Pending> pending = new ArrayDeque<>();
    private volatile Duration ruleDelay;

    Firewall(Object lock, Runnable onChange, NetworkRules initial, Duration ruleDelay) {
        this.lock = lock;
        this.onChange = onChange;
        this.desired = initial;
        this.effective = initial;
        this.ruleDelay = ruleDelay;
    }

    /** "Allow" or "Deny": what happens to callers that no IP rule covers. */
    public Firewall defaultAction(String action) {
        String normalized = NetworkRules.normalizeAction(action);
        return applyNow(desired.withDefaultAction(normalized));
    }

    public String defaultAction() {
        synchronized (lock) {
            return desired.defaultAction();
        }
    }

    /** "Enabled" or "Disabled" (Disabled blocks every data-plane call). */
    public Firewall publicNetworkAccess(String access) {
        return applyNow(desired.withPublicNetworkAccess(NetworkRules.normalizeAccess(access)));
    }

    public String publicNetworkAccess() {
        synchronized (lock) {
            return desired.publicNetworkAccess();
        }
    }

    /** The IP rules as ARM shows them (single addresses as a.b.c.d/32). */
    public List<String> ipRules() {
        synchronized (lock) {
            return desired.ipRules();
        }
    }

    /** The IP rules the data plane enforces right now (may lag {@link #ipRules()} by the rule delay). */
    public List<String> effectiveIpRules() {
        synchronized (lock) {
            return current().ipRules();
        }
    }

    public Firewall addIpRule(String addressOrCidr) {
        String rule = NetworkRules.normalizeIpRule(addressOrCidr);
        synchronized (lock) {
            List<String> rules = new ArrayList<>(desired.ipRules());
            if (!rules.contains(rule)) {
                rules.add(rule);
            }
            return applyNow(desired.withIpRules(rules));
        }
    }

    public Firewall removeIpRule(String addressOrCidr) {
        String rule = IpRange.parse(addressOrCidr).toString();
        synchronized (lock) {
            if (!hasNetworkAcls()) {
                return this;
            }
            List<String> rules = new ArrayList<>(desired.ipRules());
            rules.remove(rule);
            return applyNow(desired.withIpRules(rules));
        }
    }

    public Firewall clearIpRules() {
        synchronized (lock) {
            return hasNetworkAcls() ? applyNow(desired.withIpRules(List.of())) : this;
        }
    }

    /**
     * Whether the vault has network rules at all: false for a vault never given any (its ARM resource then has no
     * {@code properties.networkAcls}) or after a PUT without them ({@code "networkAcls": null}).
     */
    public boolean hasNetworkAcls() {
        synchronized (lock) {
            return desired.acls() == NetworkRules.Acls.PRESENT;
        }
    }

    /**
     * Makes the vault one never given network rules: ARM shows no {@code properties.networkAcls}, every address is
     * admitted ({@code publicNetworkAccess} still applies). Setting a default action or an IP rule gives it rules
     * again.
     */
    public Firewall removeNetworkAcls() {
        synchronized (lock) {
            return applyNow(NetworkRules.NEVER_SET.withPublicNetworkAccess(desired.publicNetworkAccess()));
        }
    }

    /** Delay before an ARM rule change reaches the data plane. */
    public Firewall ruleDelay(Duration delay) {
        if (delay.isNegative()) {
            throw new IllegalArgumentException("ruleDelay must not be negative");
        }
        this.ruleDelay = delay;
        return this;
    }

    public Duration ruleDelay() {
        return ruleDelay;
    }

    /** Whether a data-plane call from this public IP would pass right now. */
    public boolean admits(String clientIp) {
        return decide(clientIp) == NetworkRules.Decision.ALLOW;
    }

    NetworkRules.Decision decide(String clientIp) {
        synchronized (lock) {
            return current().decide(clientIp);
        }
    }

    NetworkRules desired() {
        synchronized (lock) {
            return desired;
        }
    }

    /** A change requested through ARM: visible at once, enforced after the rule delay. */
    void applyFromArm(NetworkRules rules) {
        synchronized (lock) {
            desired = rules;
            long delay = ruleDelay.toNanos();
            if (delay == 0) {
                pending.clear();
                effective = rules;
            } else {
                pending.addLast(new Pending(System.nanoTime() + delay, rules));
            }
            onChange.run();
        }
    }

    /** State loaded from the state file: in force at once. */
    void restore(NetworkRules rules) {
        applyNow(rules);
    }

    private Firewall applyNow(NetworkRules rules) {
        synchronized (lock) {
            desired = rules;
            effective = rules;
            pending.clear();
            onChange.run();
        }
        return this;
    }

    private NetworkRules current() {
        long now = System.nanoTime();
        while (!pending.isEmpty() && now - pending.peekFirst().effectiveAtNanos() >= 0) {
            effective = pending.removeFirst().rules();
        }
        return effective;
    }
}
