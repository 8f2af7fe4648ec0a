package io.kvconfig.runtime.config;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigDocDefault;
import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Azure Key Vault references: any config value written {@code @kv:&lt;secret-name&gt;} is resolved from Key Vault
 * when the application starts.
 * <p>
 * These properties are read at runtime, from the same config as the references (so {@code .env},
 * environment variables, {@code application.yaml} and {@code application.properties} all work); they must not
 * themselves be {@code @kv:} references.
 */
@ConfigMapping(prefix = "quarkus.kvconfig")
@ConfigRoot(phase = ConfigPhase.RUN_TIME)
public interface KvConfigConfig {

    /**
     * Whether {@code @kv:} references are resolved. When {@code false} the extension does nothing at all and
     * a {@code @kv:} value stays the literal text of the reference.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * The default vault, e.g. {@code https://my-vault.vault.azure.net} (a trailing slash is fine). When
     * unset, {@code KEY_VAULT_URL} (environment or {@code .env}) is used. A reference that names its own
     * vault ({@code @kv:https://<host>/secrets/<name>}) does not need it. In dev and test mode the Dev
     * Service sets it when neither is configured.
     */
    Optional<String> url();

    /**
     * Resolve only these properties (names as written in their source, e.g. {@code GITHUB_TOKEN} or
     * {@code github.token}; the environment-variable form of a name matches too). Empty: every {@code @kv:}
     * value resolves. References left alone are listed in the startup log line and keep their literal text.
     */
    Optional<List<String>> resolveOnly();

    /**
     * How many secret requests may be in flight at once per vault during the startup batch (1 = one at a time).
     * Key Vault speaks HTTP/2, so they share one TLS connection as concurrent streams; against a server without
     * HTTP/2 at most 16 connections are opened and further requests wait for one. The batch starts with
     * {@code initial-parallelism} in flight and widens to this while the vault does not throttle.
     */
    @WithDefault("100")
    int parallelism();

    /**
     * How many secret requests of the startup batch go to a vault before its first answers are in; then one more per
     * round trip while the vault does not throttle, up to {@code parallelism}. Key Vault allows about 4,000 secret
     * reads per 10 s per vault, shared by every client: when many replicas start at once (a scale-out, a node pool
     * upgrade), a small first fan-out lets the fleet learn of the limit before it has sent everything (in the
     * project's fleet benchmark about 1.2 requests per secret instead of 1.7 with everything sent at once). 100 secrets then take about 8 round trips
     * instead of 1; a vault that serves one application can set this to {@code parallelism} for one round trip.
     * After a 429 the vault gets one request at a time for the rest of the batch, and nothing until its
     * {@code Retry-After} (plus up to 1 s of jitter) has passed.
     */
    @WithDefault("10")
    int initialParallelism();

    /**
     * The overall deadline for resolving every reference at startup, retries (429 {@code Retry-After},
     * 5xx, connection errors) included. Past it, startup fails with the list of unresolved references. Under Key
     * Vault's limit of about 4,000 secret reads per 10 s per vault, G reads from one vault at once need at least
     * (ceil(G / 4,000) - 1) x 10 s: 20 s for 100 replicas x 100 secrets. The default leaves such a fleet room for
     * replicas that are short of CPU while they all start (the project's fleet benchmark, 100 replicas on 2 cores,
     * needed 31-32 s); a fleet that starts with more than about 10,000 reads from one vault needs a longer one. A
     * vault that cannot be reached is retried until this deadline, then reported.
     */
    @WithDefault("45S")
    Duration startupTimeout();

    /**
     * Whether the vault's authentication challenge must name a {@code *.vault.azure.net}-style resource.
     * Only the dev vault (whose host is {@code localhost}) needs {@code false}; the Dev Service sets it.
     */
    @WithDefault("true")
    boolean challengeResourceVerification();

    /**
     * Whether resolved properties are registered as SmallRye Config secret keys: hidden from
     * {@code Config.getPropertyNames()}, config dumps and the Dev UI, and refused by programmatic
     * {@code Config.getValue(...)} unless inside {@code io.smallrye.config.SecretKeys.doUnlocked(...)}.
     * {@code @ConfigProperty} injection and {@code @ConfigMapping} interfaces still receive the value.
     */
    @WithDefault("true")
    boolean hideResolvedValues();

    /**
     * Authentication to Key Vault.
     */
    Credential credential();

    /**
     * TLS towards the vault.
     */
    Tls tls();

    /**
     * Firewall allowlisting: put this machine's public IP on the vault's firewall, before resolving or when the vault
     * refuses a request ({@code when}).
     */
    Firewall firewall();

    /**
     * The readiness check ({@code /q/health/ready}, with quarkus-smallrye-health).
     */
    Health health();

    /**
     * Refresh of resolved values while the application runs (off by default).
     */
    Refresh refresh();

    /** Which Azure credential authenticates the vault calls. */
    enum CredentialType {
        /** {@code DefaultAzureCredential}: environment, workload identity, managed identity, Azure CLI, ... */
        DEFAULT("DefaultAzureCredential"),
        /** Managed identity only (optionally a user-assigned one, see {@code client-id}). */
        MANAGED_IDENTITY("ManagedIdentityCredential"),
        /** Workload identity (Kubernetes federated token) only. */
        WORKLOAD_IDENTITY("WorkloadIdentityCredential"),
        /** The signed-in Azure CLI ({@code az login}) only. */
        AZURE_CLI("AzureCliCredential");

        private final String credentialName;

        CredentialType(String credentialName) {
            this.credentialName = credentialName;
        }

        /** The value as written in config, e.g. {@code managed-identity}. */
        public String configValue() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }

        /** The SDK credential class name, for messages. */
        public String credentialName() {
            return credentialName;
        }
    }

    /** When firewall allowlisting runs for the startup batch (and the entrypoint's resolver). */
    enum AllowlistWhen {
        /** Before the first secret request, on every start (proactive). */
        STARTUP,
        /** Only when the vault refuses a secret request by its firewall; then allowlist and retry once. */
        ON_REFUSAL;

        /** The value as written in config, e.g. {@code on-refusal}. */
        public String configValue() {
            return name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        }
    }

    interface Credential {
        /**
         * The credential type. {@code default} tries the whole {@code DefaultAzureCredential} chain, which can
         * be slow where most of it does not apply; pick a narrower one to start faster.
         */
        @WithDefault("default")
        CredentialType type();

        /**
         * Client id of a user-assigned managed identity, or of the workload identity's application.
         */
        Optional<String> clientId();

        /**
         * Microsoft Entra tenant id to authenticate in.
         */
        Optional<String> tenantId();

        /**
         * Managed identity endpoint (App Service style, protocol 2019-08-01), used instead of the
         * {@code IDENTITY_ENDPOINT} environment variable. With {@code type} {@code default} or {@code managed-identity},
         * this endpoint is then the ONLY credential: the {@code DefaultAzureCredential} chain is not tried (no
         * environment, workload identity or Azure CLI fallback). Ignored with {@code workload-identity} and
         * {@code azure-cli}. Set by the Dev Service.
         */
        Optional<String> identityEndpoint();

        /**
         * Header value sent to the managed identity endpoint, overriding {@code IDENTITY_HEADER}. Set by the
         * Dev Service.
         */
        Optional<String> identityHeader();
    }

    interface Refresh {
        /**
         * How often every unpinned reference ({@code @kv:name}, not {@code @kv:name/<version>}) is re-read in the
         * background, e.g. {@code 15m}. Unset (the default): values are read once, at startup, and never refreshed.
         * Each refresh is ONE batch like the startup one (one GET per distinct secret); a value is replaced only when
         * the secret's version changed. A failed refresh keeps the last good values and is retried at the next period.
         * Budget: distinct secrets × replicas per period, against Key Vault's 4,000 GETs per 10 s per vault.
         */
        Optional<Duration> period();

        /**
         * The largest random delay added to each period, so replicas started together do not refresh together.
         * Unset: a tenth of {@code period}. {@code 0} turns jitter off.
         */
        @ConfigDocDefault("period / 10")
        Optional<Duration> jitter();
    }

    interface Health {
        /**
         * How long the readiness check's Key Vault probe result is reused. Readiness is open to anonymous callers:
         * however often it is called, the vault sees at most one probe request per period, and calls that arrive
         * while a probe is in flight share it. {@code 0} probes on every call (concurrent calls still share one).
         * The answer holds counts and statuses only (no vault URL, secret name or credential detail); the reason of
         * a failure is logged once per change of state and shown by the service's authenticated
         * {@code /api/keyvault/status}. Turn the check off with {@code quarkus.kvconfig.health.enabled=false}.
         */
        @WithDefault("30S")
        Duration cachePeriod();
    }

    interface Tls {
        /**
         * A trust store whose certificates are trusted in addition to the JDK's CAs for vault, token and
         * Resource Manager calls: a PKCS#12 file, or a file of PEM certificates ({@code -----BEGIN CERTIFICATE-----},
         * no password, the faster one to load). Hostname verification stays on. Set by the Dev Service.
         */
        Optional<String> trustStore();

        /**
         * Password of a PKCS#12 {@code trust-store} (a PEM file needs none).
         */
        Optional<String> trustStorePassword();
    }

    interface Firewall {
        /**
         * Resource group of the vault; when set (or {@code KEY_VAULT_RG}), allowlisting is on. Dev and test
         * runs only ever talk to a local Resource Manager (the dev vault's).
         */
        Optional<String> resourceGroup();

        /**
         * The vault's resource name. Default: {@code KEY_VAULT_NAME}, else the first label of the vault URL's
         * host.
         */
        Optional<String> vaultName();

        /**
         * Subscription holding the vault. Default: {@code AZURE_SUBSCRIPTION_ID}, else looked up among the
         * subscriptions the credential can see.
         */
        Optional<String> subscriptionId();

        /**
         * Azure Resource Manager endpoint.
         */
        @ConfigDocDefault("the vault's cloud's, https://management.azure.com/ for public Azure")
        Optional<String> resourceManagerUrl();

        /**
         * Plain-text public-IP echo services, tried in turn. Each must be https; plain http is refused at startup
         * (a configuration error naming the host) unless the host is loopback (localhost, 127.0.0.0/8, ::1), because
         * the answer is the address added to the vault firewall.
         */
        @ConfigDocDefault("https://api.ipify.org,https://checkip.amazonaws.com,https://ipv4.icanhazip.com")
        Optional<List<String>> ipEchoUrls();

        /**
         * Timeout of each IP echo request.
         */
        @WithDefault("5S")
        Duration ipEchoTimeout();

        /**
         * Add the IP rule even when the vault's public network access is disabled. Allowlisting never changes
         * {@code publicNetworkAccess} or the default action itself.
         */
        @WithDefault("false")
        boolean allowPublicNetworkAccess();

        /**
         * How long to wait for a new firewall rule to take effect (polled with a cheap data-plane call).
         */
        @WithDefault("60S")
        Duration propagationTimeout();

        /**
         * When allowlisting runs (with a resource group set). {@code startup}: before the startup batch's first secret
         * request, on every start, so a start pays the IP echo and Resource Manager round trips (and loads their code)
         * even when the rule is already there. {@code on-refusal}: only when the vault refuses a secret request by its
         * firewall ({@code ForbiddenByConnection} or {@code ForbiddenByFirewall}); then the rule is added, and the refused requests are retried once
         * when it is effective. A start whose address is already allowed then sends no IP echo or Resource Manager
         * request; a start that is refused pays one refused request more than {@code startup}. After startup, refreshes
         * and the service's own calls react to a refusal the same way in both modes. The Dev Service sets
         * {@code on-refusal} when it turns allowlisting on; a value set by the application wins.
         */
        @WithDefault("startup")
        AllowlistWhen when();
    }
}
