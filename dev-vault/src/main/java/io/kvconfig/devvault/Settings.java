package io.kvconfig.devvault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Settings of a dev vault, every one optional: the setters of {@link DevVault.Builder}, its only subclass (typed by
 * it so that {@code DevVault.builder().httpsPort(0)...build()} chains). The vault reads them when built and started.
 */
abstract class Settings<B extends Settings<B>> {
    int httpsPort;
    int tokenPort;
    String bindAddress = "127.0.0.1";
    String publicIp = "203.0.113.10";
    Path stateFile;
    Path trustStoreDir;
    Duration ruleDelay = Duration.ZERO;
    Duration latency = Duration.ZERO;
    Duration tokenLifetime = Duration.ofHours(1);
    Duration idleConnectionTimeout = Duration.ZERO;
    /** Key Vault's soft delete and recovery run asynchronously (seconds there); a few hundred ms here by default. */
    static final Duration DEFAULT_DELETION_DELAY = Duration.ofMillis(300);
    static final Duration DEFAULT_RECOVERY_DELAY = Duration.ofMillis(300);
    Duration deletionDelay = DEFAULT_DELETION_DELAY;
    Duration recoveryDelay = DEFAULT_RECOVERY_DELAY;
    String tenantId;
    String subscriptionId;
    String resourceGroup = "kvconfig-dev";
    String vaultName = "kvconfig-dev";
    String location = "westeurope";
    String identityHeader;
    String defaultAction;
    int threads = 64;
    boolean http2 = true;
    boolean armDenyReads;
    boolean armDenyWrites;
    boolean denySecretReads;
    boolean denySecretWrites;
    boolean accessPolicies;
    boolean noNetworkAcls;
    int serviceLimit;
    Duration serviceLimitWindow = Faults.SERVICE_LIMIT_WINDOW;
    java.net.URI eventWebhook;
    EventGrid.Schema eventSchema = EventGrid.Schema.EVENT_GRID;
    final java.util.Map<String, String> eventHeaders = new java.util.LinkedHashMap<>();
    final List<String[]> seeds = new ArrayList<>();
    final List<String> hostNames = new ArrayList<>();
    final java.util.Map<String, String> workloadIdentities = new java.util.LinkedHashMap<>();

    /**
     * Extra DNS names the HTTPS port's certificate holds besides localhost, 127.0.0.1 and ::1, e.g.
     * {@code kvtest.vault.azure.net}: a Key Vault-style host, so clients can keep the SDK's challenge resource
     * verification on (the challenge names {@code https://vault.azure.net}). See {@link DevVault#vaultUrl(String)};
     * the name must resolve to the bind address for the client (not done here).
     */
    public B hostNames(String... names) {
        for (String n : names) {
            if (n == null || !n.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
                throw new IllegalArgumentException("not a DNS host name: " + n);
            }
            String lower = n.toLowerCase(Locale.ROOT);
            if (!hostNames.contains(lower)) {
                hostNames.add(lower);
            }
        }
        return self();
    }

    /**
     * Registers a workload identity with Entra ID's token side (on the HTTPS port): a client-assertion token
     * request for {@code clientId} whose {@code client_assertion} is exactly {@code federatedToken} (what AKS writes
     * to {@code AZURE_FEDERATED_TOKEN_FILE}) gets a vault token; any other assertion gets Entra's AADSTS700213
     * answer, an unknown client id AADSTS700016. Repeat for several identities.
     */
    public B workloadIdentity(String clientId, String federatedToken) {
        if (clientId == null || clientId.isBlank() || federatedToken == null || federatedToken.isBlank()) {
            throw new IllegalArgumentException("workloadIdentity needs a client id and a federated token");
        }
        workloadIdentities.put(clientId, federatedToken.strip());
        return self();
    }

    /**
     * A webhook subscribed to the vault's Event Grid topic from the start: every new secret version is POSTed to it as
     * {@code Microsoft.KeyVault.SecretNewVersionCreated}, after Event Grid's validation handshake (see
     * {@link EventGrid}). The URL may carry a shared secret as a query ({@code ?code=...}); it is never logged.
     * {@link DevVault#events()} subscribes (or unsubscribes) at run time.
     */
    public B eventWebhook(java.net.URI url) {
        this.eventWebhook = url;
        return self();
    }

    /** The schema of {@link #eventWebhook} events: Event Grid's (default) or CloudEvents 1.0. */
    public B eventSchema(EventGrid.Schema schema) {
        if (schema == null) {
            throw new IllegalArgumentException("the event schema must be given");
        }
        this.eventSchema = schema;
        return self();
    }

    /** A header sent with every event request (an Event Grid delivery property, e.g. a static secret header). */
    public B eventHeader(String name, String value) {
        if (name == null || !name.matches("[A-Za-z0-9-]+") || value == null || value.indexOf('\n') >= 0
                || value.indexOf('\r') >= 0) {
            throw new IllegalArgumentException("an event header needs a token name and a one-line value");
        }
        eventHeaders.put(name, value);
        return self();
    }

    /** HTTPS port for data plane, ARM and IP echo; 0 (default) = a free port. */
    public B httpsPort(int port) {
        this.httpsPort = port;
        return self();
    }

    /** Plain HTTP port of the token endpoint; 0 (default) = a free port. */
    public B tokenPort(int port) {
        this.tokenPort = port;
        return self();
    }

    /** Address both servers bind to (default 127.0.0.1; 0.0.0.0 to serve containers). */
    public B bindAddress(String address) {
        this.bindAddress = address;
        return self();
    }

    /** The caller's public IP as the firewall sees it and /ip echoes it (default 203.0.113.10). */
    public B publicIp(String ip) {
        if (!IpRange.isIpv4(ip)) {
            throw new IllegalArgumentException("publicIp must be an IPv4 address: " + ip);
        }
        this.publicIp = ip;
        return self();
    }

    /** Keeps state (secrets, firewall, keys) in this JSON file (0600), loaded at start. */
    public B stateFile(Path file) {
        this.stateFile = file;
        return self();
    }

    /** Writes ca.pem and truststore.p12 here (default: a temporary directory removed on close). */
    public B trustStoreDir(Path dir) {
        this.trustStoreDir = dir;
        return self();
    }

    /** Delay before a firewall change made through ARM takes effect (default 0). */
    public B ruleDelay(Duration delay) {
        this.ruleDelay = requireNonNegative(delay);
        return self();
    }

    /** Fixed latency added to every HTTPS request (default 0). */
    public B latency(Duration latency) {
        this.latency = requireNonNegative(latency);
        return self();
    }

    /**
     * Closes HTTPS connections idle (no request in flight) this long, without notice (no GOAWAY), as Azure's front
     * ends do; default 0 = never. See {@link Faults#idleConnectionTimeout(Duration, boolean)}.
     */
    public B idleConnectionTimeout(Duration timeout) {
        this.idleConnectionTimeout = requireNonNegative(timeout);
        return self();
    }

    /**
     * How long a soft delete runs (default 300 ms; Key Vault takes seconds): until it is done the deleted secret is
     * not found and a purge, set or recover of the name is {@code 409 ObjectIsBeingDeleted}. Zero: at once.
     */
    public B deletionDelay(Duration delay) {
        this.deletionDelay = requireNonNegative(delay);
        return self();
    }

    /**
     * How long a recovery runs (default 300 ms; Key Vault about 2 s): until it is done the secret is not found and a
     * set of the name is {@code 409 ObjectIsBeingRecovered}. Zero: at once.
     */
    public B recoveryDelay(Duration delay) {
        this.recoveryDelay = requireNonNegative(delay);
        return self();
    }

    /** Lifetime of issued access tokens (default 1 hour). */
    public B tokenLifetime(Duration lifetime) {
        this.tokenLifetime = requireNonNegative(lifetime);
        return self();
    }

    public B tenantId(String tenantId) {
        this.tenantId = tenantId;
        return self();
    }

    public B subscriptionId(String subscriptionId) {
        this.subscriptionId = subscriptionId;
        return self();
    }

    public B resourceGroup(String resourceGroup) {
        this.resourceGroup = resourceGroup;
        return self();
    }

    public B vaultName(String vaultName) {
        this.vaultName = vaultName;
        return self();
    }

    public B location(String location) {
        this.location = location;
        return self();
    }

    /** The IDENTITY_HEADER value to expect (default: random, or the saved one). */
    public B identityHeader(String identityHeader) {
        this.identityHeader = identityHeader;
        return self();
    }

    /** Initial firewall default action, "Allow" (default) or "Deny". */
    public B defaultAction(String action) {
        this.defaultAction = NetworkRules.normalizeAction(action);
        return self();
    }

    /**
     * true: a vault never given network rules, whose ARM resource has no {@code properties.networkAcls} at all (as a
     * vault created without them); default false: {@code networkAcls} with default action Allow and no rules. Applies
     * to a new state only (a state file keeps its rules); {@link #defaultAction} gives the vault rules.
     */
    public B noNetworkAcls(boolean none) {
        this.noNetworkAcls = none;
        return self();
    }

    /**
     * true: enforce Key Vault's service limit from the start (4,000 secrets transactions per 10 s, shared by all
     * clients; 429 Throttled + Retry-After beyond it); default false. See {@link Faults#enforceServiceLimits()}.
     */
    public B serviceLimits(boolean enforce) {
        this.serviceLimit = enforce ? Faults.SERVICE_LIMIT_TRANSACTIONS : 0;
        this.serviceLimitWindow = Faults.SERVICE_LIMIT_WINDOW;
        return self();
    }

    /** Enforce a service limit of this many secrets transactions per window from the start (e.g. a small one). */
    public B serviceLimits(int transactions, Duration window) {
        if (transactions < 1 || window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the service limit needs a positive number of transactions and window");
        }
        this.serviceLimit = transactions;
        this.serviceLimitWindow = window;
        return self();
    }

    /** Initially refuse ARM reads of the vault (403 AuthorizationFailed); see {@link ArmAccess}. */
    public B armDenyReads(boolean deny) {
        this.armDenyReads = deny;
        return self();
    }

    /** Initially refuse ARM writes (PUT/PATCH) of the vault (403 AuthorizationFailed); see {@link ArmAccess}. */
    public B armDenyWrites(boolean deny) {
        this.armDenyWrites = deny;
        return self();
    }

    /** Initially refuse secret reads (403 ForbiddenByRbac / AccessDenied); see {@link SecretAccess}. */
    public B denySecretReads(boolean deny) {
        this.denySecretReads = deny;
        return self();
    }

    /** Initially refuse secret writes (403 ForbiddenByRbac / AccessDenied); see {@link SecretAccess}. */
    public B denySecretWrites(boolean deny) {
        this.denySecretWrites = deny;
        return self();
    }

    /**
     * true: the vault uses access policies, so an authorization 403 carries innererror AccessDenied; false (default):
     * Azure RBAC, innererror ForbiddenByRbac. See {@link SecretAccess#accessPolicies(boolean)}.
     */
    public B accessPolicies(boolean accessPolicies) {
        this.accessPolicies = accessPolicies;
        return self();
    }

    /**
     * Whether the HTTPS port offers HTTP/2 (default true, as Key Vault does). False: ALPN offers HTTP/1.1 only,
     * to test and measure clients on a server without HTTP/2 (one connection per request in flight).
     */
    public B http2(boolean offer) {
        this.http2 = offer;
        return self();
    }

    /** Worker threads of the HTTPS server (default 64). */
    public B threads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be positive");
        }
        this.threads = threads;
        return self();
    }

    /**
     * A secret to set at start. With a state file: set when the vault does not have the name; when the seed changed
     * since it was last applied, set as a new version (logged, never the value); an unchanged seed leaves the secret
     * as it is, so a value set or a deletion made since survives restarts. A deleted secret stays deleted.
     */
    public B secret(String name, String value) {
        if (!SecretStore.NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid secret name: " + name);
        }
        seeds.add(new String[] {name, value});
        return self();
    }

    private static Duration requireNonNegative(Duration d) {
        if (d == null || d.isNegative()) {
            throw new IllegalArgumentException("duration must not be negative");
        }
        return d;
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
