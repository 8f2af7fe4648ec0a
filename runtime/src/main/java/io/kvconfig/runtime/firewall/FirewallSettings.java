package io.kvconfig.runtime.firewall;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

import io.kvconfig.runtime.config.KvConfigConfig;
import io.kvconfig.runtime.config.KvConfigConfig.AllowlistWhen;
import io.kvconfig.runtime.config.KvConfigMapping;

/**
 * Firewall allowlisting settings ({@code quarkus.kvconfig.firewall.*}): a plain view of the {@link KvConfigConfig}
 * mapping (parsing and checks are {@link KvConfigMapping}'s). Allowlisting is on only when a resource group is set.
 *
 * @param vaultUrl the default vault ({@code quarkus.kvconfig.url}, fallback {@code KEY_VAULT_URL}); used
 *        for the vault name and cloud when they are not set
 * @param resourceGroup {@code resource-group}, fallback {@code KEY_VAULT_RG}
 * @param vaultName {@code vault-name}, fallback {@code KEY_VAULT_NAME}
 * @param subscriptionId {@code subscription-id}, fallback {@code AZURE_SUBSCRIPTION_ID}; else looked up
 * @param resourceManagerUrl {@code resource-manager-url}; empty = the vault's cloud's (management.azure.com)
 * @param ipEchoUrls {@code ip-echo-urls}, tried in turn; https, or http to loopback only
 * @param ipEchoTimeout {@code ip-echo-timeout}, per echo endpoint
 * @param allowPublicNetworkAccess {@code allow-public-network-access}: add the rule even though the vault's
 *        public network access is disabled (the rule then only matters once someone re-enables it; this
 *        code never changes publicNetworkAccess itself)
 * @param propagationTimeout {@code propagation-timeout}: how long to wait for a new rule to take effect
 * @param when {@code when}: before the startup batch ({@code startup}) or only after a firewall refusal
 *        ({@code on-refusal})
 */
public record FirewallSettings(
        Optional<String> vaultUrl,
        Optional<String> resourceGroup,
        Optional<String> vaultName,
        Optional<String> subscriptionId,
        Optional<String> resourceManagerUrl,
        List<URI> ipEchoUrls,
        Duration ipEchoTimeout,
        boolean allowPublicNetworkAccess,
        Duration propagationTimeout,
        AllowlistWhen when) {

    /** The firewall property names: defined here only (the mapping's checks and messages use these). */
    public static final String PREFIX = KvConfigMapping.PREFIX + "firewall.";
    public static final String RESOURCE_GROUP = PREFIX + "resource-group";
    public static final String VAULT_NAME = PREFIX + "vault-name";
    public static final String SUBSCRIPTION_ID = PREFIX + "subscription-id";
    public static final String RESOURCE_MANAGER_URL = PREFIX + "resource-manager-url";
    public static final String IP_ECHO_URLS = PREFIX + "ip-echo-urls";
    public static final String IP_ECHO_TIMEOUT = PREFIX + "ip-echo-timeout";
    public static final String ALLOW_PUBLIC_NETWORK_ACCESS = PREFIX + "allow-public-network-access";
    public static final String PROPAGATION_TIMEOUT = PREFIX + "propagation-timeout";
    public static final String WHEN = PREFIX + "when";

    /** IPv4-only plain-text echo services, in the order tried. */
    public static final List<URI> DEFAULT_IP_ECHO_URLS = List.of(
            URI.create("https://api.ipify.org"),
            URI.create("https://checkip.amazonaws.com"),
            URI.create("https://ipv4.icanhazip.com"));

    public FirewallSettings {
        ipEchoUrls = List.copyOf(ipEchoUrls);
        Objects.requireNonNull(when, "when");
    }

    /** The view of a (checked) mapping. */
    public static FirewallSettings from(KvConfigConfig c) {
        KvConfigConfig.Firewall f = c.firewall();
        return new FirewallSettings(c.url(), f.resourceGroup(), f.vaultName(), f.subscriptionId(), f.resourceManagerUrl(),
                f.ipEchoUrls().map(urls -> urls.stream().map(String::strip).filter(u -> !u.isEmpty()).map(URI::create).toList())
                        .orElse(DEFAULT_IP_ECHO_URLS),
                f.ipEchoTimeout(), f.allowPublicNetworkAccess(), f.propagationTimeout(), f.when());
    }

    /**
     * The mapping read through {@code lookup} (the original design's bare names as fallbacks).
     *
     * @throws IllegalArgumentException naming the property whose value is wrong
     */
    public static FirewallSettings from(Function<String, Optional<String>> lookup) {
        return from(KvConfigMapping.of(lookup));
    }

    /** Allowlisting runs only when a resource group is configured. */
    public boolean enabled() {
        return resourceGroup.isPresent();
    }

    /** Allowlisting is on and runs only after a firewall refusal, not before the startup batch. */
    public boolean onRefusalOnly() {
        return enabled() && when == AllowlistWhen.ON_REFUSAL;
    }

    /**
     * Why no allowlisting run may have happened yet in this process although it is on (for the admin API and the Dev
     * UI): empty in {@code startup} mode, where the startup batch runs it.
     */
    public Optional<String> notRunYetReason() {
        if (!onRefusalOnly()) {
            return Optional.empty();
        }
        return Optional.of("not run: allowlisting runs when the vault refuses a request by its firewall (" + WHEN + "="
                + when.configValue() + "), and no request was refused in this process");
    }

    /** The configured vault name, else the one in the vault URL's host. */
    public Optional<String> effectiveVaultName() {
        return vaultName.or(() -> vaultUrl.flatMap(KeyVaultCloud::vaultNameOf));
    }

    /** The configured Resource Manager URL, else the vault's cloud's, else public Azure's. Ends with "/". */
    public String effectiveResourceManagerUrl() {
        String url = resourceManagerUrl.orElseGet(() -> vaultUrl.flatMap(KeyVaultCloud::ofVaultUrl)
                .orElse(KeyVaultCloud.AZURE).resourceManagerUrl());
        return url.endsWith("/") ? url : url + "/";
    }

    /** The cloud whose endpoints (token audience for ARM) apply: the vault URL's, else public Azure. */
    public KeyVaultCloud cloud() {
        return vaultUrl.flatMap(KeyVaultCloud::ofVaultUrl).orElse(KeyVaultCloud.AZURE);
    }

    /**
     * In dev and test mode allowlisting may only talk to a local Resource Manager (the dev vault's, which
     * the Dev Service configures), so tests and dev mode never touch real Azure. Returns why it is refused.
     */
    public Optional<String> refusalInDevOrTest() {
        String url = effectiveResourceManagerUrl();
        String host;
        try {
            host = URI.create(url).getHost();
        } catch (IllegalArgumentException e) {
            host = null;
        }
        if (host != null && KvConfigMapping.isLoopback(host)) {
            return Optional.empty();
        }
        return Optional.of("firewall allowlisting is skipped in dev/test mode: " + RESOURCE_MANAGER_URL + " is "
                + url + (resourceManagerUrl.isEmpty() ? " (the default)" : "")
                + ", which is not the local dev vault; dev and test runs never change a real vault's firewall");
    }

    /** See {@link KvConfigMapping#checkEchoUrl}. */
    public static void checkEchoUrl(URI url) {
        KvConfigMapping.checkEchoUrl(url);
    }
}
