package io.kvconfig.deployment;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.kvconfig.runtime.config.KvConfigConfig;
import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem;
import io.quarkus.deployment.builditem.LaunchModeBuildItem;
import io.quarkus.deployment.builditem.Startable;
import io.quarkus.deployment.dev.devservices.DevServicesConfig;
import io.quarkus.runtime.LaunchMode;

/**
 * Dev Services for Azure Key Vault: in dev and test mode, with no vault configured, start the in-process dev vault
 * and point the extension at it (URL, credential, trust store), seeded from {@code quarkus.kvconfig.devservices.secrets}.
 */
class DevVaultProcessor {

    private static final Logger LOG = Logger.getLogger(DevVaultProcessor.class);

    static final String URL = KeyVaultSettings.URL;
    static final String URL_FALLBACK = KvConfigMapping.FALLBACKS.get(URL);
    /** Informational runtime properties (not under quarkus.*, so not validated as unknown Quarkus keys). */
    static final String INFO_SUBSCRIPTION = "kvconfig.dev-vault.subscription-id";
    static final String INFO_RESOURCE_GROUP = "kvconfig.dev-vault.resource-group";
    static final String INFO_VAULT_NAME = "kvconfig.dev-vault.vault-name";

    static final String SERVICE_NAME = "kvconfig-dev-vault";
    /** The dev-mode state directory, beside the .env that refers to its secrets (git-ignored). */
    static final String DEV_STATE_DIR = ".kvconfig-dev-vault";
    /** IP echo timeout against the dev vault when the Dev Service turns allowlisting on (an app's own setting wins). */
    static final String DEV_IP_ECHO_TIMEOUT = "30S";
    /**
     * When allowlisting runs when the Dev Service turns it on: after the dev vault's firewall refuses a request, so a
     * start whose rule is already there (every start after the first, the state file keeps the rule) sends no
     * Resource Manager or IP echo request and loads none of that code. Below application.properties, so an app's
     * own {@code quarkus.kvconfig.firewall.when} wins.
     */
    static final String DEV_ALLOWLIST_WHEN = KvConfigConfig.AllowlistWhen.ON_REFUSAL.configValue();
    /** serviceConfig of the no-op service: never equal to a real config, so a running dev vault is closed. */
    private static final String NOT_RUNNING = "not running: ";

    /** Stands in for the dev vault when an app does not want it (see {@link #devVault}); provides no config. */
    static final class NotRunning implements Startable {
        @Override
        public void start() {
        }

        @Override
        public String getConnectionInfo() {
            return "not running";
        }

        @Override
        public String getContainerId() {
            return null;
        }

        @Override
        public void close() {
        }
    }

    /**
     * Runs on every build in dev and test mode, also with Dev Services off.
     * <p>
     * Quarkus compares an owned service's {@code serviceConfig} between starts and closes the running service of the
     * same owner (feature + service name + launch mode) when it differs, and closes the services of the SAME
     * application that are no longer requested. But every {@code @QuarkusTest} profile is another application, all
     * augmented up front, and the Dev Services config source hands the config of every running service of the launch
     * mode to every app: a dev vault started for one profile reached later apps whose profile disables the Dev
     * Service or configures a vault. So in test mode, "not wanted" is still a request: a no-op service under the same
     * owner, whose start makes Quarkus close (and unregister) the dev vault of an earlier app, and which provides no
     * config. In dev mode restarts are one application, which Quarkus already handles; nothing is shown there.
     */
    @BuildStep(onlyIfNot = IsNormal.class)
    DevServicesResultBuildItem devVault(KvConfigDevServicesConfig config, DevServicesConfig devServices,
            LaunchModeBuildItem launchMode) {
        String reason = notWantedBecause(config, devServices);
        if (reason != null) {
            LOG.debugf("Dev Services for Azure Key Vault not started: %s", reason);
            if (launchMode.getLaunchMode() != LaunchMode.TEST) {
                return null;
            }
            return DevServicesSupportProcessor.owned(SERVICE_NAME,
                    "Azure Key Vault dev vault: not running (" + reason + ")", NOT_RUNNING + reason, NotRunning::new,
                    s -> LOG.debugf("Dev Services for Azure Key Vault: no dev vault for this app (%s)", reason),
                    Map.<String, Function<NotRunning, String>> of());
        }
        LaunchMode mode = launchMode.getLaunchMode();
        Optional<Path> stateFile = stateFile(config, mode, DotEnvConfigSource.workingDirectoryFile());
        Path trustStoreDir = stateFile.map(f -> f.getParent().resolve("tls")).orElse(null);
        Map<String, String> seed = new LinkedHashMap<>(config.secrets());
        String publicIp = config.publicIp();
        // allowlisting as KEY_VAULT_RG turns it on against Azure, unless the app names a resource group itself
        boolean allowlisting = config.allowlisting().orElse(mode == LaunchMode.DEVELOPMENT) && !resourceGroupConfigured();
        String defaultAction = config.firewallDefaultAction().orElse(allowlisting ? "Deny" : "Allow");

        Map<String, Function<DevVaultStartable, String>> provided = new LinkedHashMap<>();
        provided.put(URL, s -> s.vault().vaultUrl());
        provided.put(KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT, s -> s.vault().identityEndpoint());
        provided.put(KeyVaultSettings.CREDENTIAL_IDENTITY_HEADER, s -> s.vault().identityHeader());
        // the CA as PEM: loads without the PKCS12 MAC check (thousands of PBKDF2 rounds in a cold JVM)
        provided.put(KeyVaultSettings.TLS_TRUST_STORE, s -> s.vault().caCertificatePath().toString());
        provided.put(KeyVaultSettings.CHALLENGE_RESOURCE_VERIFICATION, s -> "false");
        provided.put(FirewallSettings.RESOURCE_MANAGER_URL, s -> s.vault().resourceManagerUrl());
        provided.put(FirewallSettings.IP_ECHO_URLS, s -> s.vault().ipEchoUrl());
        // the emulated vault resource: allowlisting then only needs quarkus.kvconfig.firewall.resource-group
        provided.put(FirewallSettings.VAULT_NAME, s -> s.vault().vaultName());
        provided.put(FirewallSettings.SUBSCRIPTION_ID, s -> s.vault().subscriptionId());
        if (allowlisting) {
            provided.put(FirewallSettings.RESOURCE_GROUP, s -> s.vault().resourceGroup());
            // the echo is the dev vault in this JVM: a slow answer is a cold JVM on a busy machine, never the network
            provided.put(FirewallSettings.IP_ECHO_TIMEOUT, s -> DEV_IP_ECHO_TIMEOUT);
            provided.put(FirewallSettings.WHEN, s -> DEV_ALLOWLIST_WHEN);
        }
        provided.put(INFO_SUBSCRIPTION, s -> s.vault().subscriptionId());
        provided.put(INFO_RESOURCE_GROUP, s -> s.vault().resourceGroup());
        provided.put(INFO_VAULT_NAME, s -> s.vault().vaultName());

        Map<String, List<String>> references = defaultVaultReferences();
        return DevServicesSupportProcessor.owned(SERVICE_NAME, "Azure Key Vault dev vault (in-process)", config,
                () -> new DevVaultStartable(stateFile.orElse(null), trustStoreDir, publicIp, seed, defaultAction, references,
                        DotEnvConfigSource.workingDirectoryFile().toAbsolutePath().normalize()),
                null, provided);
    }

    /** The environment-variable form of a property name, as SmallRye maps it. */
    static String envName(String property) {
        StringBuilder sb = new StringBuilder(property.length());
        for (char c : property.toCharArray()) {
            sb.append(Character.isLetterOrDigit(c) ? Character.toUpperCase(c) : '_');
        }
        return sb.toString();
    }

    /** Where the dev vault keeps its state: as configured; in dev mode beside the working directory's .env; else none. */
    static Optional<Path> stateFile(KvConfigDevServicesConfig config, LaunchMode mode, Path dotEnv) {
        Optional<Path> path = config.stateFile().filter(f -> !f.isBlank()).map(Path::of);
        if (path.isEmpty() && mode == LaunchMode.DEVELOPMENT) {
            path = Optional.of(dotEnv.toAbsolutePath().normalize().resolveSibling(DEV_STATE_DIR).resolve("state.json"));
        }
        return path.map(p -> p.toAbsolutePath().normalize());
    }

    /** A resource group the app sets itself, in config (incl. Quarkus's .env reading) or the bash-format .env. */
    static boolean resourceGroupConfigured() {
        return configured(FirewallSettings.RESOURCE_GROUP, KvConfigMapping.FALLBACKS.get(FirewallSettings.RESOURCE_GROUP));
    }

    /**
     * The secrets the app's required {@code @kv:} references ask of the default vault (the dev vault), each with the
     * properties that reference it: names only, read from the build's config and the bash-format {@code .env}.
     */
    static Map<String, List<String>> defaultVaultReferences() {
        Map<String, List<String>> bySecret = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        // the bash-format .env first, so a property is named as written there (GITHUB_TOKEN, not github.token)
        try {
            DotEnvConfigSource dotEnv = DotEnvConfigSource.workingDirectory();
            dotEnv.getProperties().forEach((name, value) -> addReference(bySecret, seen, name, value));
        } catch (RuntimeException e) {
            // an unreadable .env is reported by the config source at startup
        }
        var config = ConfigProvider.getConfig();
        for (String name : config.getPropertyNames()) {
            if (name.startsWith("%")) {
                continue; // another profile's
            }
            try {
                var value = config.getConfigValue(name);
                String source = value.getSourceName();
                if (source == null || !source.startsWith("DevServices")) {
                    addReference(bySecret, seen, name, value.getRawValue());
                }
            } catch (RuntimeException e) {
                // e.g. an expression naming a Dev Service property that is not running yet: not a reference
            }
        }
        return bySecret;
    }

    private static void addReference(Map<String, List<String>> bySecret, Set<String> seen, String property, String value) {
        // one property under its several spellings (GITHUB_TOKEN, github.token) is named once
        if (!SecretReferenceParser.isReference(value) || !seen.add(envName(property))) {
            return;
        }
        try {
            SecretReference ref = SecretReferenceParser.parse(value);
            if (ref.vaultUrl() == null && !ref.optional()) {
                List<String> properties = bySecret.computeIfAbsent(ref.name(), n -> new ArrayList<>());
                if (!properties.contains(property)) {
                    properties.add(property);
                }
            }
        } catch (RuntimeException e) {
            // an invalid reference is reported, with its property, when the app resolves it
        }
    }

    /** Why this app must not get the dev vault, or null when it should. */
    static String notWantedBecause(KvConfigDevServicesConfig config, DevServicesConfig devServices) {
        if (!devServices.enabled()) {
            return "Dev Services are disabled (quarkus.devservices.enabled=false)";
        }
        if (!config.enabled()) {
            return "disabled (quarkus.kvconfig.devservices.enabled=false)";
        }
        if (!ConfigProvider.getConfig().getOptionalValue(KvConfigMapping.ENABLED, Boolean.class).orElse(true)) {
            return "the extension is disabled (quarkus.kvconfig.enabled=false)";
        }
        if (vaultConfigured()) {
            return "a vault is configured";
        }
        return null;
    }

    /** A vault set anywhere the app would see it: config (incl. Quarkus's .env reading) or the bash-format .env. */
    static boolean vaultConfigured() {
        return configured(URL, URL_FALLBACK);
    }

    /** Either name set by the app: in its config (not by a Dev Service) or in the bash-format .env. */
    private static boolean configured(String name, String fallback) {
        var config = ConfigProvider.getConfig();
        if (configuredByApp(config.getConfigValue(name)) || configuredByApp(config.getConfigValue(fallback))) {
            return true;
        }
        try {
            DotEnvConfigSource dotEnv = DotEnvConfigSource.workingDirectory();
            return nonBlank(dotEnv.getValue(fallback)) || nonBlank(dotEnv.getValue(name));
        } catch (RuntimeException e) {
            return false; // an unreadable .env is reported by the config source at startup
        }
    }

    /** Set, and not by a Dev Services config source (a running dev vault's own URL is not "a vault configured"). */
    private static boolean configuredByApp(org.eclipse.microprofile.config.ConfigValue value) {
        String source = value.getSourceName();
        return nonBlank(value.getValue()) && (source == null || !source.startsWith("DevServices"));
    }

    private static boolean nonBlank(String s) {
        return s != null && !s.isBlank();
    }
}
