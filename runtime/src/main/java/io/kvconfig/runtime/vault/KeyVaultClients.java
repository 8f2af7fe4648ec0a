package io.kvconfig.runtime.vault;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import org.jboss.logging.Logger;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
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

import io.kvconfig.runtime.reference.SecretReferenceParser;

/**
 * The process's Key Vault plumbing: ONE JDK HTTP client (JDK CAs + the configured trust store, hostname
 * verification on), ONE TokenCredential, and ONE {@link SecretAsyncClient} per vault URL (each client keeps its
 * own challenge and token cache, so one token per vault).
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
    private static final AtomicInteger THREADS = new AtomicInteger();
    /**
     * No SDK retries. Not maxRetries=0: with that the SDK logs "Retry attempts have been exhausted" at INFO for
     * every response; one allowed retry whose condition is always false never retries and logs nothing.
     */
    private static final RetryOptions NO_RETRIES = new RetryOptions(new FixedDelayOptions(1, Duration.ofMillis(1)))
            .setShouldRetryCondition(condition -> false);

    static {
        // STACK.md trap: the JDK client refuses the SDK's Content-Length header unless allowed; this is read
        // once, when the first java.net.http.HttpClient is created in the JVM.
        if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
            System.setProperty("jdk.httpclient.allowRestrictedHeaders", "content-length");
        }
    }

    private final KeyVaultSettings settings;
    private final ExecutorService executor;
    private final HttpClient httpClient;
    private final TokenCredential credential;
    private final String credentialDescription;
    private final Map<String, SecretAsyncClient> clients = new ConcurrentHashMap<>();

    public KeyVaultClients(KeyVaultSettings settings) {
        this.settings = settings;
        // daemon threads: a CLI must be able to exit; close() shuts them down in the app
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "kvconfig-http-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder();
        settings.trustStore().ifPresent(p -> jdk.sslContext(TrustStores.sslContext(p, settings.trustStorePassword().orElse(null))));
        this.httpClient = new JdkHttpClientBuilder(jdk)
                .executor(executor)
                .connectionTimeout(Duration.ofSeconds(10))
                .build();
        this.credential = buildCredential(settings, httpClient);
        this.credentialDescription = describeCredential(settings);
        LOG.debugf("Key Vault clients created: %s", settings);
    }

    public KeyVaultSettings settings() {
        return settings;
    }

    /** The one azure-core HTTP client (JDK HttpClient underneath); reuse it for other Azure clients. */
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

    /** The client for the configured default vault, if any. */
    public Optional<SecretAsyncClient> defaultVault() {
        return settings.vaultUrl().map(this::forVault);
    }

    private SecretAsyncClient build(String vaultUrl) {
        SecretClientBuilder b = new SecretClientBuilder()
                .vaultUrl(vaultUrl)
                .credential(credential)
                .httpClient(httpClient)
                .retryOptions(NO_RETRIES);
        if (!settings.challengeResourceVerification()) {
            b.disableChallengeResourceVerification();
        }
        return b.buildAsyncClient();
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
        return s.identityEndpoint().isPresent() && (s.credentialType() == KeyVaultSettings.CredentialType.DEFAULT
                || s.credentialType() == KeyVaultSettings.CredentialType.MANAGED_IDENTITY);
    }

    static String describeCredential(KeyVaultSettings s) {
        if (usesIdentityEndpoint(s)) {
            return "managed identity endpoint " + s.identityEndpoint().get() + " ("
                    + KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT + s.clientId().map(c -> ", client id " + c).orElse("")
                    + ")";
        }
        StringBuilder sb = new StringBuilder(s.credentialType().credentialName());
        if (s.credentialType() == KeyVaultSettings.CredentialType.DEFAULT) {
            sb.append(" (chain: environment, workload identity, managed identity, shared cache, IntelliJ, Azure CLI, "
                    + "Azure PowerShell, Azure Developer CLI; narrow it with " + KeyVaultSettings.CREDENTIAL_TYPE + ")");
        }
        s.clientId().ifPresent(v -> sb.append(", client id ").append(v));
        s.tenantId().ifPresent(v -> sb.append(", tenant ").append(v));
        return sb.toString();
    }

    @Override
    public void close() {
        clients.clear();
        executor.shutdownNow();
    }
}
