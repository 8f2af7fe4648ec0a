package io.kvconfig.runtime.firewall;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

import io.quarkus.runtime.configuration.DurationConverter;

/**
 * Firewall allowlisting settings ({@code quarkus.kvconfig.firewall.*}), read through any lookup (SmallRye
 * interceptor context, Quarkus config, environment). Allowlisting is on only when a resource group is set.
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
        Duration propagationTimeout) {

    public static final String PREFIX = "quarkus.kvconfig.firewall.";
    public static final String RESOURCE_GROUP = PREFIX + "resource-group";
    public static final String VAULT_NAME = PREFIX + "vault-name";
    public static final String SUBSCRIPTION_ID = PREFIX + "subscription-id";
    public static final String RESOURCE_MANAGER_URL = PREFIX + "resource-manager-url";
    public static final String IP_ECHO_URLS = PREFIX + "ip-echo-urls";
    public static final String IP_ECHO_TIMEOUT = PREFIX + "ip-echo-timeout";
    public static final String ALLOW_PUBLIC_NETWORK_ACCESS = PREFIX + "allow-public-network-access";
    public static final String PROPAGATION_TIMEOUT = PREFIX + "propagation-timeout";

    /** IPv4-only plain-text echo services, in the order tried. */
    public static final List<URI> DEFAULT_IP_ECHO_URLS = List.of(
            URI.create("https://api.ipify.org"),
            URI.create("https://checkip.amazonaws.com"),
            URI.create("https://ipv4.icanhazip.com"));
    public static final Duration DEFAULT_IP_ECHO_TIMEOUT = Duration.ofSeconds(5);
    public static final Duration DEFAULT_PROPAGATION_TIMEOUT = Duration.ofSeconds(60);

    public FirewallSettings {
        ipEchoUrls = List.copyOf(ipEchoUrls);
    }

    /**
     * Reads the settings. Blank values count as unset. Throws {@link IllegalArgumentException} naming the
     * property for a malformed URL, duration or boolean.
     */
    public static FirewallSettings from(Function<String, Optional<String>> lookup) {
        Function<String, Optional<String>> get = name -> lookup.apply(name).map(String::strip).filter(v -> !v.isEmpty());
        return new FirewallSettings(
                get.apply("quarkus.kvconfig.url").or(() -> get.apply("KEY_VAULT_URL")),
                get.apply(RESOURCE_GROUP).or(() -> get.apply("KEY_VAULT_RG")),
                get.apply(VAULT_NAME).or(() -> get.apply("KEY_VAULT_NAME")),
                get.apply(SUBSCRIPTION_ID).or(() -> get.apply("AZURE_SUBSCRIPTION_ID")),
                get.apply(RESOURCE_MANAGER_URL).map(v -> checkedUrl(RESOURCE_MANAGER_URL, v)),
                get.apply(IP_ECHO_URLS).map(FirewallSettings::urls).orElse(DEFAULT_IP_ECHO_URLS),
                get.apply(IP_ECHO_TIMEOUT).map(v -> duration(IP_ECHO_TIMEOUT, v)).orElse(DEFAULT_IP_ECHO_TIMEOUT),
                get.apply(ALLOW_PUBLIC_NETWORK_ACCESS).map(v -> bool(ALLOW_PUBLIC_NETWORK_ACCESS, v)).orElse(false),
                get.apply(PROPAGATION_TIMEOUT).map(v -> duration(PROPAGATION_TIMEOUT, v)).orElse(DEFAULT_PROPAGATION_TIMEOUT));
    }

    /** Allowlisting runs only when a resource group is configured. */
    public boolean enabled() {
        return resourceGroup.isPresent();
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
        if (host != null && isLoopback(host)) {
            return Optional.empty();
        }
        return Optional.of("firewall allowlisting is skipped in dev/test mode: " + RESOURCE_MANAGER_URL + " is "
                + url + (resourceManagerUrl.isEmpty() ? " (the default)" : "")
                + ", which is not the local dev vault; dev and test runs never change a real vault's firewall");
    }

    static boolean isLoopback(String host) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        if (h.equalsIgnoreCase("localhost") || h.equals("::1") || h.equals("0:0:0:0:0:0:0:1")) {
            return true;
        }
        try {
            return (PublicIpv4.parseDotted(h) >>> 24) == 127;
        } catch (InvalidAddressException e) {
            return false;
        }
    }

    private static List<URI> urls(String list) {
        List<URI> out = new ArrayList<>();
        for (String part : list.split(",")) {
            String p = part.strip();
            if (!p.isEmpty()) {
                URI uri = URI.create(checkedUrl(IP_ECHO_URLS, p));
                checkEchoUrl(uri);
                out.add(uri);
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(IP_ECHO_URLS + " lists no URL");
        }
        return out;
    }

    /**
     * Refuses an IP echo URL over plain http to anything but loopback: its answer is the address put on the vault
     * firewall, and over http anyone on the network path could choose it. The message names the property and the
     * host (https, and http to localhost / 127.0.0.0/8 / ::1 for local stand-ins, are allowed).
     */
    public static void checkEchoUrl(URI url) {
        String scheme = url.getScheme();
        String host = url.getHost();
        if (scheme == null || host == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))) {
            throw new IllegalArgumentException(IP_ECHO_URLS + " must be an http(s) URL with a host, got '" + url + "'");
        }
        if (scheme.equalsIgnoreCase("http") && !isLoopback(host)) {
            throw new IllegalArgumentException(IP_ECHO_URLS + ": plain http to host '" + host + "' is refused: the answer"
                    + " is the address added to the vault firewall, and over http anyone on the way could choose it;"
                    + " use https (http is allowed to loopback only)");
        }
    }

    private static String checkedUrl(String property, String value) {
        try {
            URI uri = URI.create(value);
            String scheme = uri.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http")) || uri.getHost() == null) {
                throw new IllegalArgumentException(property + " must be an http(s) URL with a host, got '" + value + "'");
            }
            return value;
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(property)) {
                throw e;
            }
            throw new IllegalArgumentException(property + " is not a valid URL: '" + value + "'");
        }
    }

    private static Duration duration(String property, String value) {
        Duration d;
        try {
            d = DurationConverter.parseDuration(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(property + " is not a duration (e.g. 60S, 2M, PT1M): '" + value + "'");
        }
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException(property + " must not be negative: '" + value + "'");
        }
        return d;
    }

    private static boolean bool(String property, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(property + " must be true or false, got '" + value + "'");
    }
}
