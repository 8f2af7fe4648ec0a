package io.kvconfig.runtime.config;

import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.function.Function;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.firewall.InvalidAddressException;
import io.kvconfig.runtime.firewall.PublicIpv4;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigSourceInterceptor;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.FallbackConfigSourceInterceptor;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import io.smallrye.config.common.AbstractConfigSource;
import io.smallrye.config.common.utils.StringUtil;

/**
 * Builds the {@link KvConfigConfig} mapping over any set of sources, the way SmallRye's
 * {@code ConfigurableConfigSourceFactory} reads its own settings: a small {@link SmallRyeConfig} whose sources are the
 * caller's (the {@code @kv:} interceptor's context, or environment + system properties in the CLI), with the ONE
 * fallback interceptor for the original design's bare names. Every check the mapping's types cannot express is here,
 * and every failure is an {@link IllegalArgumentException} naming the property.
 */
public final class KvConfigMapping {

    public static final String PREFIX = "quarkus.kvconfig.";
    public static final String ENABLED = PREFIX + "enabled";
    public static final String URL = PREFIX + "url";
    public static final String RESOLVE_ONLY = PREFIX + "resolve-only";
    public static final String PARALLELISM = PREFIX + "parallelism";
    public static final String INITIAL_PARALLELISM = PREFIX + "initial-parallelism";
    public static final String STARTUP_TIMEOUT = PREFIX + "startup-timeout";
    public static final String REFRESH_PERIOD = PREFIX + "refresh.period";
    public static final String REFRESH_JITTER = PREFIX + "refresh.jitter";
    public static final String IDENTITY_ENDPOINT = PREFIX + "credential.identity-endpoint";
    public static final int MAX_PARALLELISM = 256;

    /** The original design's bare names, read when the {@code quarkus.kvconfig.*} name is unset. */
    public static final Map<String, String> FALLBACKS = Map.of(
            URL, "KEY_VAULT_URL",
            FirewallSettings.RESOURCE_GROUP, "KEY_VAULT_RG",
            FirewallSettings.VAULT_NAME, "KEY_VAULT_NAME",
            FirewallSettings.SUBSCRIPTION_ID, "AZURE_SUBSCRIPTION_ID");

    private KvConfigMapping() {
    }

    /** The fallback interceptor for {@link #FALLBACKS} (also registered in the runtime config). */
    public static ConfigSourceInterceptor fallbacks() {
        return new FallbackConfigSourceInterceptor(FALLBACKS);
    }

    /** The mapping over a name lookup (SmallRye's interceptor context, the app's config, a test's map). */
    public static KvConfigConfig of(Function<String, Optional<String>> lookup) {
        return of(new LookupSource(lookup));
    }

    /** The mapping over system properties then environment variables (SmallRye's environment name rules): the CLI. */
    public static KvConfigConfig fromEnvironment(Map<String, String> env, Properties sys) {
        return of(new PropertiesConfigSource(sys, "system properties", 400), new EnvConfigSource(env, 300));
    }

    /**
     * The mapping over {@code sources}, checked.
     *
     * @throws IllegalArgumentException naming the property whose value is wrong
     */
    public static KvConfigConfig of(ConfigSource... sources) {
        SmallRyeConfig config;
        try {
            config = new SmallRyeConfigBuilder()
                    .withSources(sources)
                    .withInterceptors(fallbacks())
                    .withConverter(Duration.class, 200, new DurationConverter())
                    .withConverter(Boolean.class, 200, KvConfigMapping::strictBoolean)
                    .withMapping(KvConfigConfig.class)
                    .withValidateUnknown(false)
                    .build();
        } catch (ConfigValidationException | IllegalArgumentException e) {
            // SmallRye's own wording (SRCFG00039: "The config property <name> with the config value ..."), unwrapped
            Throwable t = e;
            while (t.getCause() != null && t.getCause().getMessage() != null && t.getCause() != t) {
                t = t.getCause();
            }
            throw new IllegalArgumentException(t.getMessage().replace("Configuration validation failed:", "").strip(), e);
        }
        KvConfigConfig mapping = config.getConfigMapping(KvConfigConfig.class);
        check(config, mapping);
        return mapping;
    }

    /** The environment-variable form of a name (SmallRye's rule), to compare names written in either form. */
    public static String envForm(String name) {
        return StringUtil.replaceNonAlphanumericByUnderscores(name).toUpperCase(java.util.Locale.ROOT);
    }

    /** The default vault, normalised ({@code https://host[:port]}), naming the property it came from when wrong. */
    public static Optional<String> vaultUrl(KvConfigConfig config, Function<String, String> source) {
        return config.url().map(v -> {
            try {
                return SecretReferenceParser.normalizeVaultUrl(v);
            } catch (InvalidReferenceException e) {
                throw new IllegalArgumentException(source.apply(URL) + ": " + e.getMessage(), e);
            }
        });
    }

    private static void check(SmallRyeConfig config, KvConfigConfig c) {
        // name the property the URL came from: quarkus.kvconfig.url, or its fallback KEY_VAULT_URL
        boolean own = false;
        for (ConfigSource source : config.getConfigSources()) {
            own |= source.getValue(URL) != null;
        }
        String from = own ? URL : FALLBACKS.get(URL);
        vaultUrl(c, name -> from);
        if (c.parallelism() < 1 || c.parallelism() > MAX_PARALLELISM) {
            throw new IllegalArgumentException(PARALLELISM + "=" + c.parallelism() + " is out of range 1.." + MAX_PARALLELISM);
        }
        if (c.initialParallelism() < 1 || c.initialParallelism() > MAX_PARALLELISM) {
            throw new IllegalArgumentException(INITIAL_PARALLELISM + "=" + c.initialParallelism() + " is out of range 1.."
                    + MAX_PARALLELISM);
        }
        positive(STARTUP_TIMEOUT, c.startupTimeout(), false);
        positive(FirewallSettings.IP_ECHO_TIMEOUT, c.firewall().ipEchoTimeout(), true);
        positive(FirewallSettings.PROPAGATION_TIMEOUT, c.firewall().propagationTimeout(), true);
        c.refresh().period().ifPresent(d -> positive(REFRESH_PERIOD, d, false));
        c.refresh().jitter().ifPresent(d -> positive(REFRESH_JITTER, d, true));
        c.credential().identityEndpoint().ifPresent(v -> {
            if (!v.startsWith("http://") && !v.startsWith("https://")) {
                throw new IllegalArgumentException(IDENTITY_ENDPOINT + "='" + v + "' must be an http(s) URL");
            }
        });
        c.firewall().resourceManagerUrl().ifPresent(v -> checkClearTextUrl(FirewallSettings.RESOURCE_MANAGER_URL, v,
                "the Resource Manager bearer token would travel in clear"));
        c.firewall().ipEchoUrls().ifPresent(urls -> {
            if (urls.stream().allMatch(String::isBlank)) {
                throw new IllegalArgumentException(FirewallSettings.IP_ECHO_URLS + " lists no URL");
            }
            urls.forEach(u -> checkEchoUrl(URI.create(checkedUrl(FirewallSettings.IP_ECHO_URLS, u.strip()))));
        });
    }

    private static void positive(String property, Duration d, boolean zeroAllowed) {
        if (d.isNegative() || (!zeroAllowed && d.isZero())) {
            throw new IllegalArgumentException(property + (zeroAllowed ? " must not be negative: '" + d + "'"
                    : " must be a positive duration"));
        }
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
            throw new IllegalArgumentException(FirewallSettings.IP_ECHO_URLS + " must be an http(s) URL with a host, got '"
                    + url + "'");
        }
        if (scheme.equalsIgnoreCase("http") && !isLoopback(host)) {
            throw new IllegalArgumentException(FirewallSettings.IP_ECHO_URLS + ": plain http to host '" + host + "' is refused: the answer"
                    + " is the address added to the vault firewall, and over http anyone on the way could choose it;"
                    + " use https (http is allowed to loopback only)");
        }
    }

    private static void checkClearTextUrl(String property, String value, String why) {
        URI uri = URI.create(checkedUrl(property, value));
        if (uri.getScheme().equalsIgnoreCase("http") && !isLoopback(uri.getHost())) {
            throw new IllegalArgumentException(property + ": plain http to host '" + uri.getHost() + "' is refused: "
                    + why + "; use https (http is allowed to loopback only)");
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

    /** localhost, 127.0.0.0/8 or ::1. */
    public static boolean isLoopback(String host) {
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

    /** {@code true} or {@code false} only: SmallRye's own converter reads any other word as false. */
    private static Boolean strictBoolean(String value) {
        String v = value.strip();
        if (v.equalsIgnoreCase("true")) {
            return Boolean.TRUE;
        }
        if (v.equalsIgnoreCase("false")) {
            return Boolean.FALSE;
        }
        throw new IllegalArgumentException("must be true or false, got '" + value + "'");
    }

    /** One source reading through a lookup; it lists no names (the mapping reads each of its names directly). */
    private static final class LookupSource extends AbstractConfigSource {
        private static final long serialVersionUID = 1L;
        private final transient Function<String, Optional<String>> lookup;

        LookupSource(Function<String, Optional<String>> lookup) {
            super("kvconfig lookup", 100);
            this.lookup = lookup;
        }

        @Override
        public Set<String> getPropertyNames() {
            return Set.of();
        }

        @Override
        public String getValue(String name) {
            return lookup.apply(name).map(String::strip).filter(v -> !v.isEmpty()).orElse(null); // blank is unset
        }
    }
}
