package io.kvconfig.runtime.firewall;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

import org.jboss.logging.Logger;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpClient;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.fluent.VaultsClient;
import com.azure.resourcemanager.keyvault.fluent.models.VaultInner;
import com.azure.resourcemanager.keyvault.models.IpRule;
import com.azure.resourcemanager.keyvault.models.NetworkRuleAction;
import com.azure.resourcemanager.keyvault.models.NetworkRuleSet;
import com.azure.resourcemanager.keyvault.models.VaultPatchParameters;
import com.azure.resourcemanager.keyvault.models.VaultPatchProperties;
import com.azure.resourcemanager.keyvault.models.VaultProperties;
import com.azure.resourcemanager.resources.ResourceManager;
import com.azure.resourcemanager.resources.models.Subscription;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.resolve.FirewallHook;
import io.kvconfig.runtime.vault.Backoff;
import io.kvconfig.runtime.vault.KeyVaultClients;

/**
 * Puts this machine's public IPv4 address on the vault's firewall through Azure Resource Manager, safely:
 * <ul>
 * <li>idempotent: an address already covered by a rule (exact or CIDR) means no write;</li>
 * <li>a minimal PATCH of {@code properties.networkAcls} that carries every existing IP rule, virtual network
 * rule, bypass and default action unchanged, plus ours; {@code publicNetworkAccess} is never sent;</li>
 * <li>re-read after the write; if a concurrent writer removed our rule, the read-modify-write is retried
 * (ARM has no ETag on vaults, so this is the best a client can do);</li>
 * <li>never changes {@code publicNetworkAccess} or {@code defaultAction}; with public access disabled it reports
 * that an IP rule cannot help, unless {@code allow-public-network-access=true};</li>
 * <li>after adding, polls a cheap data-plane call with backoff (up to {@code propagation-timeout}) until the
 * rule takes effect, instead of a fixed sleep;</li>
 * <li>in dev/test mode only ever talks to a loopback Resource Manager (the dev vault's).</li>
 * </ul>
 * Runs are serialised process-wide. A run never throws: the {@link AllowlistResult} carries the error, also kept in
 * {@link io.kvconfig.runtime.KeyVault#lastAllowlisting()}.
 */
public final class FirewallAllowlister implements FirewallHook {

    private static final Logger LOG = Logger.getLogger(FirewallAllowlister.class);
    static final int MAX_WRITE_ATTEMPTS = 3;
    private static final Object RUN_LOCK = new Object();

    private final FirewallSettings settings;
    private final TokenCredential credential;
    private final HttpClient http;
    private final Optional<String> tenantId;
    private final IpEchoClient echo;
    private final DataPlaneProbe probe;
    private final boolean devOrTest;
    private final Clock clock;
    private final Map<String, VaultsClient> vaultsClients = new ConcurrentHashMap<>();
    private volatile String subscriptionId;
    private volatile boolean refusalLogged;

    public FirewallAllowlister(FirewallSettings settings, TokenCredential credential, HttpClient http,
            Optional<String> tenantId, IpEchoClient echo, DataPlaneProbe probe, boolean devOrTest, Clock clock) {
        this.settings = Objects.requireNonNull(settings);
        this.credential = Objects.requireNonNull(credential);
        this.http = Objects.requireNonNull(http);
        this.tenantId = tenantId;
        this.echo = Objects.requireNonNull(echo);
        this.probe = probe;
        this.devOrTest = devOrTest;
        this.clock = clock;
        this.subscriptionId = settings.subscriptionId().orElse(null);
    }

    /**
     * The allowlister for the default vault, sharing the Key Vault clients' credential and HTTP client.
     *
     * @param devOrTest true in Quarkus dev/test launch mode: then only a loopback Resource Manager is used
     */
    public static FirewallAllowlister create(FirewallSettings settings, KeyVaultClients clients, boolean devOrTest) {
        DataPlaneProbe probe = settings.vaultUrl()
                .map(url -> DataPlaneProbe.listOnePage(clients.forVault(url), Duration.ofSeconds(10)))
                .orElse(null);
        return new FirewallAllowlister(settings, clients.credential(), clients.httpClient(), clients.settings().tenantId(),
                IpEchoClient.of(settings, clients.httpClient()), probe, devOrTest, Clock.systemUTC());
    }

    public FirewallSettings settings() {
        return settings;
    }

    /** Is this vault URL the one this allowlister manages (the reactive path may see other vaults)? */
    public boolean manages(String vaultUrl) {
        if (vaultUrl == null) {
            return true;
        }
        String norm = normalise(vaultUrl);
        if (settings.vaultUrl().map(FirewallAllowlister::normalise).filter(norm::equals).isPresent()) {
            return true;
        }
        Optional<String> name = KeyVaultCloud.vaultNameOf(vaultUrl);
        return name.isPresent() && name.equals(settings.effectiveVaultName());
    }

    /**
     * Makes sure our address is allowed (startup, schedule, admin API). After adding a rule it waits for it to take
     * effect; when the rule was already there it does not probe.
     */
    public AllowlistResult allowlist() {
        return run(false);
    }

    /**
     * Reactive path: a data-plane call was refused by the firewall. Re-detects the address, (re)adds the rule if
     * needed and waits until the data plane lets us through. True when the caller should retry.
     */
    public boolean allowlistAfterRefusal(String vaultUrl) {
        if (!manages(vaultUrl)) {
            LOG.warnf("Key Vault firewall refused a call to %s, which is not the vault allowlisting manages (%s); "
                    + "not changing any firewall", vaultUrl, settings.effectiveVaultName().orElse("?"));
            return false;
        }
        AllowlistResult r = run(true);
        return r.ok() && r.effective();
    }

    /**
     * Resolver hook, before the first data-plane call. A failed run is thrown so the resolver can add the reason to
     * any firewall failure; the resolver then still tries to resolve (the vault may be reachable anyway), so
     * startup fails only if resolution itself fails.
     */
    @Override
    public void beforeResolve() {
        AllowlistResult r = allowlist();
        if (!r.ok()) {
            throw new FirewallException(r.error());
        }
    }

    /** Resolver hook: a secret call was refused by the firewall. True = retry the refused calls. */
    @Override
    public boolean onForbiddenByConnection(String vaultUrl) {
        if (!manages(vaultUrl)) {
            return allowlistAfterRefusal(vaultUrl);
        }
        AllowlistResult r = run(true);
        if (!r.ok()) {
            throw new FirewallException(r.error());
        }
        return r.effective();
    }

    private AllowlistResult run(boolean reactive) {
        // one firewall per process: startup, reactive, scheduled and admin runs never interleave, whichever instance
        synchronized (RUN_LOCK) {
            return runLocked(reactive);
        }
    }

    private AllowlistResult runLocked(boolean reactive) {
        AllowlistResult r;
        try {
            r = attempt(reactive);
        } catch (FirewallException e) {
            r = AllowlistResult.failed(settings.effectiveVaultName().orElse(null), null, clock.instant(), e.getMessage());
        } catch (RuntimeException e) {
            r = AllowlistResult.failed(settings.effectiveVaultName().orElse(null), null, clock.instant(),
                    "unexpected error: " + e);
        }
        if (r.ok()) {
            LOG.infof("Key Vault firewall: %s", r.message());
        } else {
            LOG.warnf("Key Vault firewall allowlisting failed: %s", r.error());
        }
        KvConfigRuntime.recordAllowlisting(r);
        return r;
    }

    private AllowlistResult attempt(boolean reactive) {
        String vault = settings.effectiveVaultName().orElse(null);
        if (!settings.enabled()) {
            return AllowlistResult.failed(vault, null, clock.instant(), "allowlisting is off: set "
                    + FirewallSettings.RESOURCE_GROUP + " (or KEY_VAULT_RG) to the vault's resource group");
        }
        if (devOrTest) {
            Optional<String> refusal = settings.refusalInDevOrTest();
            if (refusal.isPresent()) {
                if (!refusalLogged) {
                    refusalLogged = true;
                    LOG.warn(refusal.get());
                }
                return AllowlistResult.failed(vault, null, clock.instant(), refusal.get());
            }
        }
        if (vault == null) {
            throw new FirewallException("cannot tell the vault's resource name: set " + FirewallSettings.VAULT_NAME
                    + " (or KEY_VAULT_NAME); the vault URL " + settings.vaultUrl().orElse("(not set)")
                    + " is not a Key Vault host (<name>.vault.azure.net or another cloud's)");
        }
        String rg = settings.resourceGroup().get();
        PublicIpv4 ip = echo.detect();
        String sub = subscription(rg, vault);
        VaultsClient vaults = vaults(sub);
        Where where = new Where(vault, rg, sub);

        for (int attempt = 1; attempt <= MAX_WRITE_ATTEMPTS; attempt++) {
            VaultInner current = read(vaults, where);
            VaultProperties props = current.properties();
            if (props == null) {
                throw new FirewallException("Resource Manager returned vault " + where + " without properties");
            }
            if ("Disabled".equalsIgnoreCase(props.publicNetworkAccess()) && !settings.allowPublicNetworkAccess()) {
                throw new FirewallException("public network access is disabled on this vault; an IP rule cannot help ("
                        + where + "; use a private endpoint, or set " + FirewallSettings.ALLOW_PUBLIC_NETWORK_ACCESS
                        + "=true to add the rule anyway; allowlisting never enables public access)");
            }
            NetworkRuleSet acls = props.networkAcls();
            if (acls == null || acls.defaultAction() == null || NetworkRuleAction.ALLOW.equals(acls.defaultAction())) {
                if (!"Disabled".equalsIgnoreCase(props.publicNetworkAccess())) {
                    return done(where, ip, false, false, reactive ? probeUntilEffective() : false,
                            "vault " + vault + " allows public traffic (firewall default action Allow); no rule needed for " + ip);
                }
            }
            Optional<String> covering = rules(acls).stream().filter(rule -> Cidr.ruleCovers(rule, ip)).findFirst();
            if (covering.isPresent()) {
                boolean effective = reactive && probeUntilEffective();
                return done(where, ip, false, true, effective,
                        ip + " is already allowed on vault " + vault + " by rule " + covering.get());
            }
            if (attempt > 1) {
                LOG.warnf("Key Vault firewall: our rule for %s disappeared after writing (a concurrent change to %s?); "
                        + "retrying the read-modify-write (attempt %d of %d)", ip, where, attempt, MAX_WRITE_ATTEMPTS);
            }
            patch(vaults, where, acls, ip);
            VaultInner after = read(vaults, where);
            NetworkRuleSet afterAcls = after.properties() == null ? null : after.properties().networkAcls();
            if (rules(afterAcls).stream().anyMatch(rule -> Cidr.ruleCovers(rule, ip))) {
                List<String> lost = new ArrayList<>(rules(acls));
                lost.removeAll(rules(afterAcls));
                if (!lost.isEmpty()) {
                    // not ours to fix: report it so an operator can look
                    LOG.warnf("Key Vault firewall: rules %s that were on %s before our write are gone now "
                            + "(removed concurrently?)", lost, where);
                }
                boolean effective = probeUntilEffective();
                String msg = "added IP rule " + ip + " to vault " + vault
                        + (effective ? "" : " (not yet effective after " + settings.propagationTimeout().toSeconds() + " s)");
                return done(where, ip, true, false, effective, msg);
            }
        }
        throw new FirewallException("the IP rule for " + ip + " on " + where + " disappeared after each of "
                + MAX_WRITE_ATTEMPTS + " writes: something else keeps rewriting the vault's network rules");
    }

    private AllowlistResult done(Where where, PublicIpv4 ip, boolean added, boolean present, boolean effective, String msg) {
        return new AllowlistResult(where.vault, ip.address(), added, present, effective, clock.instant(), msg, null);
    }

    private static List<String> rules(NetworkRuleSet acls) {
        List<String> out = new ArrayList<>();
        if (acls != null && acls.ipRules() != null) {
            for (IpRule r : acls.ipRules()) {
                if (r != null && r.value() != null) {
                    out.add(r.value());
                }
            }
        }
        return out;
    }

    private VaultInner read(VaultsClient vaults, Where where) {
        try {
            return vaults.getByResourceGroup(where.rg, where.vault);
        } catch (ManagementException e) {
            throw new FirewallException(describe(e, where, false), e);
        } catch (ClientAuthenticationException e) {
            throw new FirewallException(noToken(e), e);
        }
    }

    private void patch(VaultsClient vaults, Where where, NetworkRuleSet acls, PublicIpv4 ip) {
        List<IpRule> rules = new ArrayList<>();
        for (String r : rules(acls)) {
            rules.add(new IpRule().withValue(r));
        }
        rules.add(new IpRule().withValue(ip.address()));
        // networkAcls is replaced as a whole by PATCH: carry everything else over unchanged
        NetworkRuleSet next = new NetworkRuleSet()
                .withBypass(acls == null ? null : acls.bypass())
                .withDefaultAction(acls == null ? null : acls.defaultAction())
                .withVirtualNetworkRules(acls == null ? null : acls.virtualNetworkRules())
                .withIpRules(rules);
        VaultPatchParameters body = new VaultPatchParameters()
                .withProperties(new VaultPatchProperties().withNetworkAcls(next));
        try {
            vaults.update(where.rg, where.vault, body);
        } catch (ManagementException e) {
            throw new FirewallException(describe(e, where, true), e);
        } catch (ClientAuthenticationException e) {
            throw new FirewallException(noToken(e), e);
        }
    }

    /** Polls the data plane with exponential backoff until the firewall lets us through or the timeout passes. */
    boolean probeUntilEffective() {
        if (probe == null) {
            return false;
        }
        long deadline = System.nanoTime() + settings.propagationTimeout().toNanos();
        int probes = 0;
        while (true) {
            probes++;
            if (probe.passesFirewall()) {
                LOG.debugf("Key Vault firewall: rule effective after %d probe(s)", probes);
                return true;
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                // the last probe goes at the deadline: a rule that became effective by then counts
                Thread.sleep(Math.min(Backoff.PROPAGATION.delay(probes, null).toMillis(), Math.max(1, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    private String subscription(String rg, String vault) {
        String sub = subscriptionId;
        if (sub != null) {
            return sub;
        }
        ResourceManager.Authenticated arm = ResourceManager.configure().withHttpClient(http)
                .authenticate(credential, profile(null));
        List<String> seen = new ArrayList<>();
        List<String> denied = new ArrayList<>();
        try {
            for (Subscription s : arm.subscriptions().list()) {
                String id = s.subscriptionId();
                seen.add(id);
                try {
                    vaults(id).getByResourceGroup(rg, vault);
                    LOG.infof("Key Vault firewall: found vault %s in resource group %s of subscription %s", vault, rg, id);
                    subscriptionId = id;
                    return id;
                } catch (ManagementException e) {
                    int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
                    if (status == 403) {
                        denied.add(id);
                    } else if (status != 404) {
                        throw new FirewallException(describe(e, new Where(vault, rg, id), false), e);
                    }
                }
            }
        } catch (ManagementException e) {
            throw new FirewallException("cannot list the subscriptions the credential can see (HTTP "
                    + (e.getResponse() == null ? "?" : e.getResponse().getStatusCode()) + "); set "
                    + FirewallSettings.SUBSCRIPTION_ID + " (or AZURE_SUBSCRIPTION_ID)", e);
        } catch (ClientAuthenticationException e) {
            throw new FirewallException(noToken(e), e);
        }
        throw new FirewallException("vault " + vault + " was not found in resource group " + rg + " of any of the "
                + seen.size() + " subscription(s) the credential can see " + seen
                + (denied.isEmpty() ? "" : " (no read permission in " + denied + ")")
                + "; check " + FirewallSettings.RESOURCE_GROUP + " and " + FirewallSettings.VAULT_NAME
                + ", or set " + FirewallSettings.SUBSCRIPTION_ID);
    }

    private VaultsClient vaults(String sub) {
        return vaultsClients.computeIfAbsent(sub, s -> KeyVaultManager.configure().withHttpClient(http)
                .authenticate(credential, profile(s)).serviceClient().getVaults());
    }

    private AzureProfile profile(String sub) {
        Map<String, String> endpoints = new HashMap<>(settings.cloud().environment().getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", settings.effectiveResourceManagerUrl());
        return new AzureProfile(tenantId.orElse(null), sub, new AzureEnvironment(endpoints));
    }

    static String describe(ManagementException e, Where where, boolean write) {
        int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
        String code = e.getValue() == null ? null : e.getValue().getCode();
        String arm = " (Resource Manager: HTTP " + status + (code == null ? "" : " " + code) + ")";
        if (status == 403) {
            return write
                    ? "no permission to change the firewall of vault " + where + ": the identity needs the Key Vault "
                            + "Contributor role, or another role with Microsoft.KeyVault/vaults/write, on the vault or its "
                            + "resource group" + arm
                    : "no permission to read vault " + where + ": the identity needs a role with "
                            + "Microsoft.KeyVault/vaults/read (e.g. Reader or Key Vault Contributor) on the vault or its "
                            + "resource group" + arm;
        }
        if (status == 404) {
            if ("ResourceGroupNotFound".equalsIgnoreCase(code)) {
                return "resource group " + where.rg + " was not found in subscription " + where.sub + "; check "
                        + FirewallSettings.RESOURCE_GROUP + " and " + FirewallSettings.SUBSCRIPTION_ID + arm;
            }
            if ("SubscriptionNotFound".equalsIgnoreCase(code)) {
                return "subscription " + where.sub + " was not found; check " + FirewallSettings.SUBSCRIPTION_ID + arm;
            }
            return "vault " + where.vault + " was not found in resource group " + where.rg + " (subscription "
                    + where.sub + "); check " + FirewallSettings.VAULT_NAME + " and " + FirewallSettings.RESOURCE_GROUP + arm;
        }
        if (status == 401) {
            return "Resource Manager refused the credential's token for vault " + where + arm;
        }
        String msg = e.getValue() == null || e.getValue().getMessage() == null ? "" : ": " + shorten(e.getValue().getMessage());
        return "Resource Manager call for vault " + where + " failed" + arm + msg;
    }

    private static String noToken(ClientAuthenticationException e) {
        StringBuilder sb = new StringBuilder("could not get a Resource Manager token from the credential: ")
                .append(e.getMessage());
        // the SDK's top message often says "see inner exception": add the innermost distinct reason
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        if (root != e && root.getMessage() != null && !root.getMessage().equals(e.getMessage())) {
            sb.append(" (").append(root.getMessage()).append(')');
        }
        return shorten(sb.toString().replaceAll("\\s+", " "));
    }

    private static String shorten(String s) {
        return s.length() > 300 ? s.substring(0, 300) + "..." : s;
    }

    private static String normalise(String vaultUrl) {
        try {
            return SecretReferenceParser.normalizeVaultUrl(vaultUrl);
        } catch (RuntimeException e) {
            return vaultUrl;
        }
    }

    record Where(String vault, String rg, String sub) {
        @Override
        public String toString() {
            return vault + " (resource group " + rg + ", subscription " + sub + ")";
        }
    }
}
