package io.kvconfig.devvault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

import javax.net.ssl.SSLContext;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;

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
 * Secret values are never logged.
 */
public final class DevVault implements AutoCloseable {
    static final System.Logger LOG = System.getLogger(DevVault.class.getName());
    private static final int STATE_FORMAT = 1;

    private final Builder config;
    final ObjectMapper mapper = new ObjectMapper();
    final Object lock = new Object();
    final Journal journal = new Journal();
    final Faults faults = new Faults();
    final ArmAccess armAccess = new ArmAccess();
    final SecretStore store;
    final Firewall firewall;
    Tokens tokens;
    ObjectNode armVault;
    private TlsMaterial tls;
    private final StateFile stateFile;
    private volatile boolean loading = true;
    private String identityHeader;
    private String tenantId;
    private String subscriptionId;
    private HttpsPort https;
    private HttpServer tokenServer;
    private ThreadPoolExecutor tokenPool;
    private Path trustDir;
    private boolean ownsTrustDir;
    private volatile boolean started;
    private volatile boolean closed;

    private DevVault(Builder b) {
        this.config = b;
        this.store = new SecretStore(lock, this::persist);
        this.firewall = new Firewall(lock, this::persist, NetworkRules.OPEN, b.ruleDelay);
        this.stateFile = b.stateFile == null ? null : new StateFile(b.stateFile, mapper);
        faults.latency(b.latency);
        armAccess.denyReads(b.armDenyReads).denyWrites(b.armDenyWrites);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Binds both servers, loads or creates the state, writes the trust store. Returns this. */
    public DevVault start() {
        if (started) {
            throw new IllegalStateException("already started");
        }
        started = true;
        try {
            loadOrInit();
            writeTrustMaterial();
            startServers();
            loading = false;
            persist();
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
        String h = hostName.toLowerCase(java.util.Locale.ROOT);
        if (!h.equals("localhost") && !config.hostNames.contains(h)) {
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
        return identityHeader;
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
        return tokenServer.getAddress().getPort();
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
        return tls.clientContext();
    }

    public String publicIp() {
        return config.publicIp;
    }

    public String tenantId() {
        return tenantId;
    }

    public String subscriptionId() {
        return subscriptionId;
    }

    public String resourceGroup() {
        return config.resourceGroup;
    }

    public String vaultName() {
        return config.vaultName;
    }

    public String location() {
        return config.location;
    }

    /** {@code /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>}. */
    public String vaultResourceId() {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup()
                + "/providers/Microsoft.KeyVault/vaults/" + vaultName();
    }

    public Optional<Path> stateFile() {
        return Optional.ofNullable(stateFile).map(StateFile::path);
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
     * Issues an access token as the token endpoint would, e.g. an already expired one for tests
     * (resource "https://vault.azure.net" for the data plane, "https://management.azure.com/" for ARM).
     */
    public String issueToken(String resource, Duration validFor) {
        return tokens.issue(resource, validFor).accessToken();
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (https != null) {
            https.close();
        }
        if (tokenServer != null) {
            tokenServer.stop(0);
        }
        if (tokenPool != null) {
            tokenPool.shutdownNow();
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

    // ---- internals ----

    /** Saves the state file (if any). Called under the lock after every change. */
    void persist() {
        if (stateFile == null || loading) {
            return;
        }
        synchronized (lock) {
            try {
                stateFile.save(stateJson());
            } catch (IOException e) {
                LOG.log(System.Logger.Level.ERROR, "Cannot write the dev vault state file " + stateFile.path() + ": "
                        + e.getClass().getSimpleName());
                throw new UncheckedIOException("Cannot write the dev vault state file", e);
            }
        }
    }

    private ObjectNode stateJson() {
        ObjectNode s = mapper.createObjectNode();
        s.put("format", STATE_FORMAT);
        s.put("tenantId", tenantId);
        s.put("subscriptionId", subscriptionId);
        s.put("identityHeader", identityHeader);
        s.put("tokenKey", Base64.getEncoder().encodeToString(tokenKey));
        s.put("clientId", tokens.clientId());
        s.put("objectId", tokens.objectId());
        String[] t = tls.encoded();
        s.putObject("tls").put("caKey", t[0]).put("caCert", t[1]).put("serverKey", t[2]).put("serverCert", t[3]);
        s.set("network", firewall.desired().toJson());
        s.set("vault", armVault.deepCopy());
        s.setAll(store.toJson());
        return s;
    }

    private byte[] tokenKey;

    private void loadOrInit() {
        ObjectNode saved = stateFile == null ? null : stateFile.load();
        if (saved != null && saved.path("format").asInt() != STATE_FORMAT) {
            throw new IllegalStateException("Dev vault state file " + stateFile.path() + " has an unknown format");
        }
        SecureRandom random = new SecureRandom();
        tenantId = pick(config.tenantId, saved, "tenantId", "00000000-0000-0000-0000-000000000001");
        subscriptionId = pick(config.subscriptionId, saved, "subscriptionId", "00000000-0000-0000-0000-000000000002");
        identityHeader = pick(config.identityHeader, saved, "identityHeader", UUID.randomUUID().toString());
        String clientId = pick(null, saved, "clientId", UUID.randomUUID().toString());
        String objectId = pick(null, saved, "objectId", UUID.randomUUID().toString());
        if (saved != null && saved.hasNonNull("tokenKey")) {
            tokenKey = Base64.getDecoder().decode(saved.get("tokenKey").asText());
        } else {
            tokenKey = new byte[32];
            random.nextBytes(tokenKey);
        }
        tokens = new Tokens(tokenKey, tenantId, objectId, clientId, config.tokenLifetime, mapper);
        JsonNode t = saved == null ? null : saved.get("tls");
        if (t != null && t.isObject()) {
            tls = TlsMaterial.decode(t.path("caKey").asText(), t.path("caCert").asText(),
                    t.path("serverKey").asText(), t.path("serverCert").asText());
            if (!tls.stillValid()) {
                tls = TlsMaterial.generate(config.hostNames);
            } else if (!tls.covers(config.hostNames)) {
                // a host name added since the state was saved: same CA, a server certificate that names it
                tls = tls.reissue(config.hostNames);
            }
        } else {
            tls = TlsMaterial.generate(config.hostNames);
        }
        if (saved != null && saved.path("vault").isObject()) {
            armVault = (ObjectNode) saved.get("vault").deepCopy();
        } else {
            armVault = initialVault();
        }
        if (saved != null) {
            store.load(saved);
            if (saved.has("network")) {
                firewall.restore(NetworkRules.fromJson(saved.get("network")));
            }
        }
        if (config.defaultAction != null) {
            firewall.defaultAction(config.defaultAction);
        }
        for (var e : config.seeds) {
            // only when absent: a value changed since (or a deletion) survives restarts
            if (!store.exists(e[0])) {
                store.set(e[0], e[1], null, null, null);
            }
        }
    }

    private ObjectNode initialVault() {
        ObjectNode v = mapper.createObjectNode();
        v.put("location", config.location);
        v.putObject("tags");
        ObjectNode sys = v.putObject("systemData");
        String now = java.time.Instant.now().toString();
        sys.put("createdBy", "kvconfig-dev-vault").put("createdByType", "Application").put("createdAt", now)
                .put("lastModifiedBy", "kvconfig-dev-vault").put("lastModifiedByType", "Application")
                .put("lastModifiedAt", now);
        ObjectNode p = v.putObject("properties");
        p.putObject("sku").put("family", "A").put("name", "standard");
        p.put("tenantId", tenantId);
        p.putArray("accessPolicies");
        p.put("enabledForDeployment", false);
        p.put("enabledForDiskEncryption", false);
        p.put("enabledForTemplateDeployment", false);
        p.put("enableSoftDelete", true);
        p.put("softDeleteRetentionInDays", SecretStore.RECOVERABLE_DAYS);
        p.put("enableRbacAuthorization", true);
        return v;
    }

    private static String pick(String configured, JsonNode saved, String field, String fallback) {
        if (configured != null) {
            return configured;
        }
        if (saved != null && saved.hasNonNull(field)) {
            return saved.get(field).asText();
        }
        return fallback;
    }

    private void writeTrustMaterial() throws IOException {
        if (config.trustStoreDir != null) {
            trustDir = config.trustStoreDir.toAbsolutePath().normalize();
        } else {
            trustDir = Files.createTempDirectory("kvconfig-dev-vault-");
            ownsTrustDir = true;
        }
        tls.writeTo(trustDir);
    }

    private void startServers() throws IOException {
        // The JDK server leaves Nagle's algorithm on: each small response then waits for the client's delayed ACK,
        // which turned a configured 20 ms latency into ~65 ms. Read once, when the server classes first load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        InetAddress bind = InetAddress.getByName(config.bindAddress);
        tokenPool = pool("dev-vault-token", 8, new ThreadPoolExecutor.CallerRunsPolicy());
        tokenServer = HttpServer.create(new InetSocketAddress(bind, config.tokenPort), 64);
        tokenServer.createContext("/", new TokenEndpoint(this, mapper));
        tokenServer.setExecutor(tokenPool);
        https = HttpsPort.start(bind.getHostAddress(), config.httpsPort, tls.keyManagerFactory(), config.http2,
                config.threads, faults::nextLatencyNanos, journal, this::handleHttps);
        tokenServer.start();
    }

    /** Daemon threads that end when idle (30 s): nothing keeps a host JVM alive or busy. */
    static ThreadPoolExecutor pool(String name, int threads, RejectedExecutionHandler whenFull) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4096), tf, whenFull);
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    private final DataPlane dataPlane = new DataPlane(this, mapper);
    private final Arm arm = new Arm(this, mapper);

    /** Runs on a worker thread, after the configured latency (see {@link HttpsPort}). */
    private void handleHttps(Exchange exchange) {
        Request r = new Request(exchange, mapper);
        if (r.header("Authorization") != null) {
            // whether a client sent a token at all (valid or not): proves a token was or was not handed over
            journal.outcome("AuthorizationHeader");
        }
        r.journalWith(x -> journal.request(x.operation, x.method, x.path, x.status, exchange.http2()));
        boolean dropped = false;
        try {
            List<String> s = r.segments;
            String root = s.isEmpty() ? "" : s.get(0).toLowerCase(java.util.Locale.ROOT);
            try {
                switch (root) {
                    case "secrets", "deletedsecrets" -> dataPlane.handle(r);
                    case "subscriptions" -> arm.handle(r);
                    case "ip" -> {
                        r.operation = "IpEcho";
                        if (s.size() != 1 || !(r.method.equals("GET") || r.method.equals("HEAD"))) {
                            throw new ServiceError(s.size() != 1 ? 404 : 405, s.size() != 1 ? "NotFound"
                                    : "MethodNotAllowed", "Use GET /ip.");
                        }
                        r.sendText(200, publicIp() + "\n");
                    }
                    default -> {
                        r.operation = "NotFound";
                        throw new ServiceError(404, "NotFound", "The requested resource was not found.");
                    }
                }
            } catch (ServiceError e) {
                if (e.status == 400 || e.status == 405 || e.status == 413) {
                    journal.outcome("BadRequest");
                }
                r.sendError(e);
            }
        } catch (Request.DropConnection e) {
            dropped = true;
            r.status = 0;
            r.journal();
            // No answer: HTTP/1.1 closes the connection, HTTP/2 resets the stream (the connection's others go on)
            exchange.drop();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Dev vault request " + r.method + " " + r.path + " failed: "
                    + e.getClass().getName());
            if (Boolean.getBoolean("devvault.debug")) {
                e.printStackTrace();
            }
            if (r.status == 0) {
                try {
                    r.sendError(new ServiceError(500, "InternalServerError", "The dev vault failed to handle the request."));
                } catch (IOException | RuntimeException ignored) {
                    exchange.drop();
                }
            } else {
                // the answer could not be completed: drop it so the client does not wait for it
                exchange.drop();
            }
        } finally {
            r.journal();
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, r.method + " " + r.path + " -> " + r.status + " (" + r.operation
                        + ")" + (dropped ? " dropped" : ""));
            }
        }
    }

    /** Settings of a dev vault; every one is optional. */
    public static final class Builder {
        private int httpsPort;
        private int tokenPort;
        private String bindAddress = "127.0.0.1";
        private String publicIp = "203.0.113.10";
        private Path stateFile;
        private Path trustStoreDir;
        private Duration ruleDelay = Duration.ZERO;
        private Duration latency = Duration.ZERO;
        private Duration tokenLifetime = Duration.ofHours(1);
        private String tenantId;
        private String subscriptionId;
        private String resourceGroup = "kvconfig-dev";
        private String vaultName = "kvconfig-dev";
        private String location = "westeurope";
        private String identityHeader;
        private String defaultAction;
        private int threads = 64;
        private boolean http2 = true;
        private boolean armDenyReads;
        private boolean armDenyWrites;
        private final List<String[]> seeds = new java.util.ArrayList<>();
        private final List<String> hostNames = new java.util.ArrayList<>();

        private Builder() {
        }

        /**
         * Extra DNS names the HTTPS port's certificate holds besides localhost, 127.0.0.1 and ::1, e.g.
         * {@code kvtest.vault.azure.net}: a Key Vault-style host, so clients can keep the SDK's challenge resource
         * verification on (the challenge names {@code https://vault.azure.net}). See {@link DevVault#vaultUrl(String)};
         * the name must resolve to the bind address for the client (not done here).
         */
        public Builder hostNames(String... names) {
            for (String n : names) {
                if (n == null || !n.matches("(?i)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+")) {
                    throw new IllegalArgumentException("not a DNS host name: " + n);
                }
                String lower = n.toLowerCase(java.util.Locale.ROOT);
                if (!hostNames.contains(lower)) {
                    hostNames.add(lower);
                }
            }
            return this;
        }

        /** HTTPS port for data plane, ARM and IP echo; 0 (default) = a free port. */
        public Builder httpsPort(int port) {
            this.httpsPort = port;
            return this;
        }

        /** Plain HTTP port of the token endpoint; 0 (default) = a free port. */
        public Builder tokenPort(int port) {
            this.tokenPort = port;
            return this;
        }

        /** Address both servers bind to (default 127.0.0.1; 0.0.0.0 to serve containers). */
        public Builder bindAddress(String address) {
            this.bindAddress = address;
            return this;
        }

        /** The caller's public IP as the firewall sees it and /ip echoes it (default 203.0.113.10). */
        public Builder publicIp(String ip) {
            if (!IpRange.isIpv4(ip)) {
                throw new IllegalArgumentException("publicIp must be an IPv4 address: " + ip);
            }
            this.publicIp = ip;
            return this;
        }

        /** Keeps state (secrets, firewall, keys) in this JSON file (0600), loaded at start. */
        public Builder stateFile(Path file) {
            this.stateFile = file;
            return this;
        }

        /** Writes ca.pem and truststore.p12 here (default: a temporary directory removed on close). */
        public Builder trustStoreDir(Path dir) {
            this.trustStoreDir = dir;
            return this;
        }

        /** Delay before a firewall change made through ARM takes effect (default 0). */
        public Builder ruleDelay(Duration delay) {
            this.ruleDelay = requireNonNegative(delay);
            return this;
        }

        /** Fixed latency added to every HTTPS request (default 0). */
        public Builder latency(Duration latency) {
            this.latency = requireNonNegative(latency);
            return this;
        }

        /** Lifetime of issued access tokens (default 1 hour). */
        public Builder tokenLifetime(Duration lifetime) {
            this.tokenLifetime = requireNonNegative(lifetime);
            return this;
        }

        public Builder tenantId(String tenantId) {
            this.tenantId = tenantId;
            return this;
        }

        public Builder subscriptionId(String subscriptionId) {
            this.subscriptionId = subscriptionId;
            return this;
        }

        public Builder resourceGroup(String resourceGroup) {
            this.resourceGroup = resourceGroup;
            return this;
        }

        public Builder vaultName(String vaultName) {
            this.vaultName = vaultName;
            return this;
        }

        public Builder location(String location) {
            this.location = location;
            return this;
        }

        /** The IDENTITY_HEADER value to expect (default: random, or the saved one). */
        public Builder identityHeader(String identityHeader) {
            this.identityHeader = identityHeader;
            return this;
        }

        /** Initial firewall default action, "Allow" (default) or "Deny". */
        public Builder defaultAction(String action) {
            this.defaultAction = NetworkRules.normalizeAction(action);
            return this;
        }

        /** Initially refuse ARM reads of the vault (403 AuthorizationFailed); see {@link ArmAccess}. */
        public Builder armDenyReads(boolean deny) {
            this.armDenyReads = deny;
            return this;
        }

        /** Initially refuse ARM writes (PUT/PATCH) of the vault (403 AuthorizationFailed); see {@link ArmAccess}. */
        public Builder armDenyWrites(boolean deny) {
            this.armDenyWrites = deny;
            return this;
        }

        /**
         * Whether the HTTPS port offers HTTP/2 (default true, as Key Vault does). False: ALPN offers HTTP/1.1 only,
         * to test and measure clients on a server without HTTP/2 (one connection per request in flight).
         */
        public Builder http2(boolean offer) {
            this.http2 = offer;
            return this;
        }

        /** Worker threads of the HTTPS server (default 64). */
        public Builder threads(int threads) {
            if (threads < 1) {
                throw new IllegalArgumentException("threads must be positive");
            }
            this.threads = threads;
            return this;
        }

        /** A secret to set at start unless the (persisted) vault already has it, active or deleted. */
        public Builder secret(String name, String value) {
            if (!SecretStore.NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("invalid secret name: " + name);
            }
            seeds.add(new String[] {name, value});
            return this;
        }

        public DevVault build() {
            return new DevVault(this);
        }

        private static Duration requireNonNegative(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("duration must not be negative");
            }
            return d;
        }
    }
}
