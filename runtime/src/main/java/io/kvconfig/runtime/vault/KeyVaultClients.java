package io.kvconfig.runtime.vault;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import org.jboss.logging.Logger;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.Configuration;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.identity.AzureCliCredentialBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.identity.ManagedIdentityCredentialBuilder;
import com.azure.identity.WorkloadIdentityCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;

import io.kvconfig.runtime.metrics.MeteredCredential;
import io.kvconfig.runtime.metrics.RequestMetricsPolicy;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.TrustOptions;
import reactor.core.publisher.Mono;

/**
 * The process's Key Vault plumbing: ONE HTTP client on a small Vert.x instance (JDK CAs + the configured trust
 * store, hostname verification on), ONE TokenCredential, and per vault URL ONE {@link SecretReader} (the resolver's
 * reads at startup and refresh, without the SDK client's pipeline: see there why) and ONE {@link SecretAsyncClient}
 * (writes, listing, the service and the application), created on first use. Each keeps its own challenge and token,
 * so a start that only resolves asks for one challenge and one token per vault; a process that also writes asks once
 * more, for the SDK client.
 * <p>
 * Transport: HTTP/2 with ALPN (HTTP/1.1 when the server does not offer h2). Key Vault speaks HTTP/2, so a startup
 * batch is multiplexed over ONE TLS connection per vault: one handshake instead of one per parallel request, which
 * in a cold JVM cost ~10 ms of CPU each and made startup grow with the number of secrets. The SDK's clients and
 * pipelines are unchanged; only the transport is ours ({@link BufferedVertxHttpClient}, see there why).
 * <p>
 * Credential: {@code credential.type} picks the SDK credential; {@code credential.identity-endpoint} (the dev
 * vault, custom endpoints) makes the managed identity part an {@link IdentityEndpointCredential}, because the
 * SDK's MSAL-based managed identity reads that endpoint only from the process environment.
 * <p>
 * Retries: the secret clients are built with the SDK's retries OFF. The resolver owns retries (429 with
 * Retry-After, 5xx and connection errors with backoff) under one startup deadline; SDK retries underneath would
 * multiply attempts, sleep past the deadline and hide the request count. Code using {@link #forVault} after
 * startup (the service) gets no automatic retries and should handle transient errors itself.
 */
public final class KeyVaultClients implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KeyVaultClients.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Connections per host when a server does not offer HTTP/2. */
    static final int MAX_HTTP1_CONNECTIONS = 16;
    /** A request with no traffic for this long fails (the resolver's own per-attempt timeout is shorter). */
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    /**
     * No SDK retries. Not maxRetries=0: with that the SDK logs "Retry attempts have been exhausted" at INFO for
     * every response; one allowed retry whose condition is always false never retries and logs nothing.
     */
    private static final RetryOptions NO_RETRIES = new RetryOptions(new FixedDelayOptions(1, Duration.ofMillis(1)))
            .setShouldRetryCondition(condition -> false);

    /**
     * SDK loggers that log a failure at ERROR, with a stack trace, right before handing the same failure to the
     * caller, who classifies it and reports it in one message: the retry policy ("Retry attempts have been
     * exhausted", logged even with retries off as here, and by the firewall allowlisting's Resource Manager clients
     * built on {@link #httpClient()}) and the secrets client's challenge policy (a challenge resource that does not
     * match the vault's host). Turned off unless the application configured a level for them.
     * <p>
     * Why process-wide: java.util.logging levels and filters belong to a logger name, and both policies log through
     * one static logger shared by every client of their class in the JVM. Nor can a filter tell our requests from
     * the application's: the policies run on Reactor's shared schedulers ({@link BufferedVertxHttpClient} hands
     * answers to {@code Schedulers.parallel()}), not on threads of ours, and the records name neither client nor
     * vault. An application with its own Azure clients that wants these two ERROR lines back sets a level for the
     * two loggers (e.g. {@code quarkus.log.category."com.azure.core.http.policy.RetryPolicy".level=INFO}); its own
     * code still receives every failure as an exception, as ours does. Held strongly: java.util.logging keeps
     * loggers weakly, and a collected logger would forget its level.
     */
    static final List<java.util.logging.Logger> SDK_DUPLICATE_ERROR_LOGGERS = List.of(
            quiet("com.azure.core.http.policy.RetryPolicy"),
            quiet("com.azure.security.keyvault.secrets.implementation.KeyVaultCredentialPolicy"));

    private final KeyVaultSettings settings;
    private final Vertx vertx;
    private final HttpClient httpClient;
    private final TokenCredential credential;
    private final String credentialDescription;
    private final Map<String, SecretAsyncClient> clients = new ConcurrentHashMap<>();
    private final Map<String, SecretReader> readers = new ConcurrentHashMap<>();
    private final Map<String, CompletableFuture<Void>> authorized = new ConcurrentHashMap<>();

    public KeyVaultClients(KeyVaultSettings settings) {
        this.settings = settings;
        TrustOptions trust = settings.trustStore()
                .map(p -> TrustOptions.wrap(TrustStores.trustManager(p, settings.trustStorePassword().orElse(null))))
                .orElse(null);
        // its own small Vert.x: resolution runs while the config is built, before the application's Vert.x exists;
        // daemon threads: a start that fails while resolving (no shutdown task yet) must still let the JVM exit
        this.vertx = Vertx.vertx(new VertxOptions()
                .setUseDaemonThread(true)
                .setEventLoopPoolSize(Math.min(2, Runtime.getRuntime().availableProcessors()))
                .setWorkerPoolSize(2)
                .setInternalBlockingPoolSize(2)
                .setPreferNativeTransport(false));
        HttpClientOptions h2 = options(trust)
                .setProtocolVersion(HttpVersion.HTTP_2)
                .setUseAlpn(true)
                // one multiplexed connection per vault (and per ARM host) ...
                .setHttp2MaxPoolSize(1)
                // ... and, when the server only speaks HTTP/1.1, one connection per request in flight, up to a
                // cap: each one costs a TLS handshake (further requests wait for a free connection)
                .setMaxPoolSize(Math.min(settings.parallelism(), MAX_HTTP1_CONNECTIONS));
        HttpClientOptions http1 = options(trust).setProtocolVersion(HttpVersion.HTTP_1_1);
        this.httpClient = new BufferedVertxHttpClient(vertx.createHttpClient(h2), vertx.createHttpClient(http1), IDLE_TIMEOUT);
        // counted where the SDK asks for a token (see MeteredCredential)
        this.credential = new MeteredCredential(buildCredential(settings, httpClient));
        this.credentialDescription = describeCredential(settings);
        LOG.debugf("Key Vault clients created: %s", settings);
    }

    private static java.util.logging.Logger quiet(String name) {
        java.util.logging.Logger logger = java.util.logging.Logger.getLogger(name);
        if (logger.getLevel() == null) {
            logger.setLevel(java.util.logging.Level.OFF);
        }
        return logger;
    }

    private static HttpClientOptions options(TrustOptions trust) {
        return new HttpClientOptions().setConnectTimeout((int) CONNECT_TIMEOUT.toMillis()).setTcpNoDelay(true)
                .setVerifyHost(true).setTrustOptions(trust);
    }

    public KeyVaultSettings settings() {
        return settings;
    }

    /** The azure-core HTTP client for Azure services (HTTP/2 when offered, Vert.x underneath); reuse it for other Azure clients. */
    public HttpClient httpClient() {
        return httpClient;
    }

    public TokenCredential credential() {
        return credential;
    }

    /** Which credential (chain) is used, with its options, for error messages. */
    public String credentialDescription() {
        return credentialDescription;
    }

    /** The cached client for a vault; {@code vaultUrl} is normalised, so equivalent spellings share a client. */
    public SecretAsyncClient forVault(String vaultUrl) {
        String url = SecretReferenceParser.normalizeVaultUrl(vaultUrl);
        return clients.computeIfAbsent(url, this::build);
    }

    /**
     * The reader of a vault's secrets for the resolver (startup, refresh): Get Secret without the SDK client's
     * pipeline (see {@link SecretReader} why); it shares this transport, credential and authorization signal.
     */
    public SecretReader reader(String vaultUrl) {
        String url = SecretReferenceParser.normalizeVaultUrl(vaultUrl);
        return readers.computeIfAbsent(url, u -> new SecretReader(u, httpClient, credential,
                settings.challengeResourceVerification(), authorized(u)));
    }

    /**
     * Completes once a request to this vault has gone out with a token: the SDK has answered the vault's challenge
     * and cached the token, so further requests need neither. The resolver starts its fan-out on it.
     */
    public CompletableFuture<Void> authorized(String vaultUrl) {
        return authorized.computeIfAbsent(SecretReferenceParser.normalizeVaultUrl(vaultUrl), u -> new CompletableFuture<>());
    }

    /** The client for the configured default vault, if any. */
    public Optional<SecretAsyncClient> defaultVault() {
        return settings.vaultUrl().map(this::forVault);
    }

    private SecretAsyncClient build(String vaultUrl) {
        SecretClientBuilder b = new SecretClientBuilder()
                .vaultUrl(vaultUrl)
                .credential(credential)
                .httpClient(httpClient)
                .retryOptions(NO_RETRIES)
                // runs after the SDK's challenge/credential policy: sees each request as sent
                .addPolicy(new AuthorizedSignal(authorized(vaultUrl)))
                .addPolicy(new RequestMetricsPolicy());
        if (!settings.challengeResourceVerification()) {
            b.disableChallengeResourceVerification();
        }
        return b.buildAsyncClient();
    }

    /** Completes its future when a request passes with an Authorization header (after the SDK's credential policy). */
    private record AuthorizedSignal(CompletableFuture<Void> signal) implements HttpPipelinePolicy {
        @Override
        public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
            seen(context);
            return next.process();
        }

        @Override
        public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
            seen(context);
            return next.processSync();
        }

        private void seen(HttpPipelineCallContext context) {
            if (!signal.isDone() && context.getHttpRequest().getHeaders().getValue(HttpHeaderName.AUTHORIZATION) != null) {
                signal.complete(null);
            }
        }

        @Override
        public HttpPipelinePosition getPipelinePosition() {
            return HttpPipelinePosition.PER_RETRY;
        }
    }

    static Configuration azureConfiguration(KeyVaultSettings s) {
        // explicit values first, the process environment (AZURE_*, IDENTITY_*) behind them
        ConfigurationBuilder cb = new ConfigurationBuilder();
        s.identityEndpoint().ifPresent(v -> cb.putProperty(Configuration.PROPERTY_IDENTITY_ENDPOINT, v));
        s.identityHeader().ifPresent(v -> cb.putProperty(Configuration.PROPERTY_IDENTITY_HEADER, v));
        s.clientId().ifPresent(v -> cb.putProperty(Configuration.PROPERTY_AZURE_CLIENT_ID, v));
        s.tenantId().ifPresent(v -> cb.putProperty(Configuration.PROPERTY_AZURE_TENANT_ID, v));
        return cb.build();
    }

    private static TokenCredential buildCredential(KeyVaultSettings s, HttpClient http) {
        Configuration cfg = azureConfiguration(s);
        if (usesIdentityEndpoint(s)) {
            return new IdentityEndpointCredential(http, s.identityEndpoint().get(), s.identityHeader().orElse(null),
                    s.clientId().orElse(null));
        }
        switch (s.credentialType()) {
            case MANAGED_IDENTITY: {
                ManagedIdentityCredentialBuilder b = new ManagedIdentityCredentialBuilder().httpClient(http).configuration(cfg);
                s.clientId().ifPresent(b::clientId);
                return b.build();
            }
            case WORKLOAD_IDENTITY: {
                WorkloadIdentityCredentialBuilder b = new WorkloadIdentityCredentialBuilder().httpClient(http).configuration(cfg);
                s.clientId().ifPresent(b::clientId);
                s.tenantId().ifPresent(b::tenantId);
                return b.build();
            }
            case AZURE_CLI: {
                AzureCliCredentialBuilder b = new AzureCliCredentialBuilder().configuration(cfg);
                s.tenantId().ifPresent(b::tenantId);
                return b.build();
            }
            case DEFAULT:
            default: {
                DefaultAzureCredentialBuilder b = new DefaultAzureCredentialBuilder().httpClient(http).configuration(cfg);
                s.clientId().ifPresent(id -> b.managedIdentityClientId(id).workloadIdentityClientId(id));
                s.tenantId().ifPresent(b::tenantId);
                return b.build();
            }
        }
    }

    /** An explicit identity endpoint replaces the managed identity part (see {@link IdentityEndpointCredential}). */
    static boolean usesIdentityEndpoint(KeyVaultSettings s) {
        return s.identityEndpoint().isPresent() && (s.credentialType() == io.kvconfig.runtime.config.KvConfigConfig.CredentialType.DEFAULT
                || s.credentialType() == io.kvconfig.runtime.config.KvConfigConfig.CredentialType.MANAGED_IDENTITY);
    }

    static String describeCredential(KeyVaultSettings s) {
        if (usesIdentityEndpoint(s)) {
            return "managed identity endpoint " + s.identityEndpoint().get() + " ("
                    + KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT + s.clientId().map(c -> ", client id " + c).orElse("")
                    + ")";
        }
        StringBuilder sb = new StringBuilder(s.credentialType().credentialName());
        if (s.credentialType() == io.kvconfig.runtime.config.KvConfigConfig.CredentialType.DEFAULT) {
            // azure-identity 1.18's chain, in its order (as its chained failure message lists them)
            sb.append(" (chain: environment, workload identity, managed identity, IntelliJ, VS Code, Azure CLI, "
                    + "Azure PowerShell, Azure Developer CLI, broker; narrow it with " + KeyVaultSettings.CREDENTIAL_TYPE + ")");
        }
        s.clientId().ifPresent(v -> sb.append(", client id ").append(v));
        s.tenantId().ifPresent(v -> sb.append(", tenant ").append(v));
        return sb.toString();
    }

    @Override
    public void close() {
        clients.clear();
        readers.clear();
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.debugf("Closing the Key Vault HTTP clients: %s", e.toString());
            if (e instanceof InterruptedException) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
