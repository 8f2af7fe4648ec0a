package io.kvconfig.devvault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import io.kvconfig.devvault.StateFile.State;

/**
 * A local, faithful stand-in for Azure Key Vault: the secrets REST API with challenge authentication over HTTPS
 * (HTTP/2 and HTTP/1.1, as Key Vault serves it), a managed identity token endpoint (plain HTTP), the vault's Azure
 * Resource Manager resource and its firewall, an IP echo endpoint, faults on demand, a request journal and optional
 * persistence.
 *
 * <pre>
 * try (DevVault vault = DevVault.builder().build().start()) { ... vault.vaultUrl() ... }
 * </pre>
 *
 * This class is the facade and the lifecycle: it wires the parts at {@link #start()} (see the README's "Inside") and
 * closes them. Secret values are never logged.
 */
public final class DevVault implements AutoCloseable {
    static final System.Logger LOG = System.getLogger(DevVault.class.getName());

    private final Builder settings;
    /** Guards the state: secrets, firewall, ARM resource, and the state file written after each change. */
    private final Object lock = new Object();
    private final Journal journal = new Journal();
    private final Faults faults = new Faults();
    private final ArmAccess armAccess = new ArmAccess();
    private final SecretAccess secretAccess = new SecretAccess();
    private final StateFile stateFile;
    private final SecretStore store;
    private final Firewall firewall;
    private final EventGrid events;
    private State state;
    private HttpsPort https;
    private TokenEndpoint tokenEndpoint;
    private Path trustDir;
    private boolean ownsTrustDir;
    private volatile boolean started;
    private volatile boolean closed;

    private DevVault(Builder b) {
        this.settings = b;
        this.stateFile = new StateFile(b.stateFile, lock);
        this.store = new SecretStore(lock, stateFile::save);
        this.firewall = new Firewall(lock, stateFile::save,
                b.noNetworkAcls ? NetworkRules.NEVER_SET : NetworkRules.OPEN, b.ruleDelay);
        store.delays(b.deletionDelay, b.recoveryDelay);
        this.events = new EventGrid(() -> state.coordinates(), journal, this::vaultUrl);
        store.onNewVersion(events::secretVersionCreated);
        if (b.eventWebhook != null) {
            events.subscribe(b.eventWebhook, b.eventSchema, b.eventHeaders);
        }
        faults.latency(b.latency);
        faults.idleConnectionTimeout(b.idleConnectionTimeout, false);
        if (b.serviceLimit > 0) {
            faults.enforceServiceLimits(b.serviceLimit, b.serviceLimitWindow);
        }
        armAccess.denyReads(b.armDenyReads).denyWrites(b.armDenyWrites);
        secretAccess.denyReads(b.denySecretReads).denyWrites(b.denySecretWrites).accessPolicies(b.accessPolicies);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Settings of a dev vault; every one is optional (the setters are in {@link Settings}). */
    public static final class Builder extends Settings<Builder> {
        private Builder() {
        }

        public DevVault build() {
            return new DevVault(this);
        }
    }

    /** Binds both servers, loads or creates the state, writes the trust store. Returns this. */
    public DevVault start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            state = stateFile.load(settings, store, firewall);
            if (settings.defaultAction != null) {
                firewall.defaultAction(settings.defaultAction);
            }
            for (String[] seed : settings.seeds) {
                // a changed seed becomes a new version; an unchanged one leaves what the app set (or deleted) since
                switch (store.applySeed(seed[0], seed[1])) {
                    case NEW_VERSION -> LOG.log(System.Logger.Level.INFO, "Dev vault: the seed of secret '" + seed[0]
                            + "' changed since it was last applied: set as a new version (earlier versions kept)");
                    case DELETED_KEPT -> LOG.log(System.Logger.Level.INFO, "Dev vault: the seed of secret '" + seed[0]
                            + "' changed, but the secret is deleted in the dev vault: left deleted (recover or purge"
                            + " it to apply the seed)");
                    default -> {
                    }
                }
            }
            writeTrustMaterial();
            startServers();
            events.start();
            stateFile.saveFrom(state);
            LOG.log(System.Logger.Level.INFO, "Dev vault listening on " + vaultUrl() + " (token endpoint "
                    + podIdentityAuthorityHost() + ")");
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException("Cannot start the dev vault", e);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    // ---- URLs and settings a client needs ----

    /** {@code https://localhost:<port>}, no trailing slash. */
    public String vaultUrl() {
        return "https://localhost:" + httpsPort();
    }

    /**
     * {@code https://<hostName>:<port>}: the vault under one of its extra host names ({@link Builder#hostNames}), e.g.
     * {@code kvtest.vault.azure.net}, which its TLS certificate names. The caller makes the name resolve to the
     * bind address (for a test JVM e.g. {@code -Djdk.net.hosts.file=<file>}); {@code localhost} gives
     * {@link #vaultUrl()}.
     *
     * @throws IllegalArgumentException when the certificate does not name {@code hostName}
     */
    public String vaultUrl(String hostName) {
        String h = hostName.toLowerCase(Locale.ROOT);
        if (!h.equals("localhost") && !settings.hostNames.contains(h)) {
            throw new IllegalArgumentException("the dev vault's certificate does not name " + hostName
                    + "; add it with DevVault.builder().hostNames(...)");
        }
        return "https://" + h + ":" + httpsPort();
    }

    /** App Service style managed identity endpoint: {@code http://127.0.0.1:<tokenPort>/msi/token}. */
    public String identityEndpoint() {
        return podIdentityAuthorityHost() + "/msi/token";
    }

    /** The secret the App Service endpoint expects in {@code X-IDENTITY-HEADER} (IDENTITY_HEADER). */
    public String identityHeader() {
        return state.identityHeader();
    }

    /** IMDS style authority host (AZURE_POD_IDENTITY_AUTHORITY_HOST): {@code http://127.0.0.1:<tokenPort>}. */
    public String podIdentityAuthorityHost() {
        return "http://127.0.0.1:" + tokenPort();
    }

    /** The Azure Resource Manager endpoint: {@code https://localhost:<port>/}. */
    public String resourceManagerUrl() {
        return vaultUrl() + "/";
    }

    /** Answers the caller's public IP as plain text. */
    public String ipEchoUrl() {
        return vaultUrl() + "/ip";
    }

    public int httpsPort() {
        return https.port();
    }

    public int tokenPort() {
        return tokenEndpoint.port();
    }

    /** PKCS#12 trust store holding the dev vault's CA certificate. */
    public Path trustStorePath() {
        return trustDir.resolve("truststore.p12");
    }

    public String trustStorePassword() {
        return TlsMaterial.TRUST_STORE_PASSWORD;
    }

    /** PEM file with the dev vault's CA certificate (for curl --cacert). */
    public Path caCertificatePath() {
        return trustDir.resolve("ca.pem");
    }

    /** An SSLContext that trusts only the dev vault's CA (hostname verification stays with the client). */
    public SSLContext clientSslContext() {
        return state.tls().clientContext();
    }

    public String publicIp() {
        return settings.publicIp;
    }

    public String tenantId() {
        return state.coordinates().tenantId();
    }

    public String subscriptionId() {
        return state.coordinates().subscriptionId();
    }

    public String resourceGroup() {
        return settings.resourceGroup;
    }

    public String vaultName() {
        return settings.vaultName;
    }

    public String location() {
        return settings.location;
    }

    /** {@code /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>}. */
    public String vaultResourceId() {
        return state.coordinates().resourceId();
    }

    public Optional<Path> stateFile() {
        return stateFile.path();
    }

    // ---- direct access (seeding, assertions) ----

    /** Sets a secret (new version) without going through HTTP; returns the new version id. */
    public String setSecret(String name, String value) {
        if (value == null) {
            throw new IllegalArgumentException("value must not be null");
        }
        try {
            return store.set(name, value, null, null, null).latest().id;
        } catch (ServiceError e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    /**
     * Changes how long soft deletes and recoveries run from now on (see {@link Builder#deletionDelay} and
     * {@link Builder#recoveryDelay}); zero makes them immediate.
     */
    public DevVault softDeleteDelays(Duration deletion, Duration recovery) {
        if (deletion == null || recovery == null || deletion.isNegative() || recovery.isNegative()) {
            throw new IllegalArgumentException("delays must not be negative");
        }
        store.delays(deletion, recovery);
        return this;
    }

    /**
     * Ends every soft delete and recovery that is still running, now: lets a test hold one open with a long delay
     * and end it after counting the requests it refused, instead of racing a short delay.
     */
    public DevVault finishRunningDeletesAndRecoveries() {
        store.finishRunning();
        return this;
    }

    /** The latest value of an active (not deleted) secret. */
    public Optional<String> secretValue(String name) {
        return store.value(name);
    }

    /** Names of the active secrets, sorted case-insensitively. */
    public List<String> secretNames() {
        return store.names();
    }

    public Journal journal() {
        return journal;
    }

    /**
     * The vault's Event Grid topic: subscribe a webhook to get {@code Microsoft.KeyVault.SecretNewVersionCreated} for
     * every new secret version, and see the deliveries (see {@link EventGrid}).
     */
    public EventGrid events() {
        return events;
    }

    public Faults faults() {
        return faults;
    }

    public Firewall firewall() {
        return firewall;
    }

    /** The caller's permissions on the vault's ARM resource: deny reads or writes to test missing roles. */
    public ArmAccess arm() {
        return armAccess;
    }

    /**
     * The caller's permissions on the secrets (data plane): deny reads, writes or single secrets to get Key Vault's
     * authorization 403 ({@code ForbiddenByRbac}, or {@code AccessDenied} on an access-policy vault).
     */
    public SecretAccess secretAccess() {
        return secretAccess;
    }

    /**
     * Issues an access token as the token endpoint would, e.g. an already expired one for tests
     * (resource "https://vault.azure.net" for the data plane, "https://management.azure.com/" for ARM).
     */
    public String issueToken(String resource, Duration validFor) {
        return state.tokens().issue(resource, validFor).accessToken();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        events.close();
        if (https != null) {
            https.close();
        }
        if (tokenEndpoint != null) {
            tokenEndpoint.close();
        }
        if (ownsTrustDir && trustDir != null) {
            try (Stream<Path> files = Files.walk(trustDir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // temp files only
            }
        }
    }

    @Override
    public String toString() {
        return "DevVault[" + (https == null ? "not started" : vaultUrl()) + "]";
    }

    /** Whether a workload identity is registered ({@link Builder#workloadIdentity}). */
    public boolean hasWorkloadIdentities() {
        return !settings.workloadIdentities.isEmpty();
    }

    /** The names the HTTPS port's certificate holds, which Entra's instance discovery answers as its own cloud. */
    private List<String> ownHosts() {
        List<String> hosts = new java.util.ArrayList<>(List.of("localhost"));
        hosts.addAll(settings.hostNames);
        return List.copyOf(hosts);
    }

    /**
     * The Entra ID authority host of the workload identity token side ({@code AZURE_AUTHORITY_HOST}):
     * {@code https://<hostName>:<port>/}. MSAL sends its instance discovery for any host but Entra's own to
     * {@code login.microsoftonline.com} on the same port, so a client must also resolve that name to the dev vault
     * and the certificate must name it ({@link Builder#hostNames}).
     */
    public String authorityHost(String hostName) {
        return vaultUrl(hostName) + "/";
    }

    /** The token issuer, for tests that need the vault identity's ids. */
    Tokens tokens() {
        return state.tokens();
    }

    private void writeTrustMaterial() throws IOException {
        if (settings.trustStoreDir != null) {
            trustDir = settings.trustStoreDir.toAbsolutePath().normalize();
        } else {
            trustDir = Files.createTempDirectory("kvconfig-dev-vault-");
            ownsTrustDir = true;
        }
        state.tls().writeTo(trustDir);
    }

    /** The token endpoint, then the HTTPS port with its routes; each part gets the pieces of state it uses. */
    private void startServers() throws IOException {
        InetAddress bind = InetAddress.getByName(settings.bindAddress);
        Coordinates at = state.coordinates();
        Tokens tokens = state.tokens();
        tokenEndpoint = TokenEndpoint.start(bind, settings.tokenPort, state.identityHeader(), tokens, journal);
        Router router = new Router(
                new DataPlane(at, tokens, firewall, faults, journal, store, secretAccess, this::vaultUrl),
                new Arm(at, tokens, armAccess, journal, state.resource(), this::vaultUrl),
                new Entra(tokens, at.tenantId(), settings.workloadIdentities, ownHosts()),
                journal, at.publicIp());
        https = HttpsPort.start(bind.getHostAddress(), settings.httpsPort, state.tls().keyManagerFactory(),
                settings.http2, settings.threads, faults::nextLatencyNanos, journal, router::handle);
        HttpsPort port = https;
        faults.attach(new Faults.Connections() {
            @Override
            public int closeIdle(boolean goAway) {
                return port.closeIdleConnections(goAway);
            }

            @Override
            public void idleTimeout(Duration timeout, boolean goAway) {
                port.idleTimeout(timeout, goAway);
            }
        });
    }
}
