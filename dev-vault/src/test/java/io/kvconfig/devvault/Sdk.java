package io.kvconfig.devvault;

import java.time.Duration;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.util.ConfigurationBuilder;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;

/** Real Azure SDK clients wired to a dev vault: JDK HttpClient trusting its CA, DefaultAzureCredential. */
final class Sdk {
    static {
        if (System.getProperty("jdk.httpclient.allowRestrictedHeaders") == null) {
            System.setProperty("jdk.httpclient.allowRestrictedHeaders", "content-length");
        }
    }

    private Sdk() {
    }

    static HttpClient httpClient(DevVault vault) {
        return new JdkHttpClientBuilder(java.net.http.HttpClient.newBuilder().sslContext(vault.clientSslContext()))
                .build();
    }

    /**
     * The SDK's JDK adapter over HTTP/2, as Key Vault is spoken by HTTP/2 clients. JdkHttpClientBuilder pins
     * HTTP/1.1 on the builder it is given; this builder keeps HTTP/2 whatever version it is asked for.
     */
    static HttpClient http2Client(DevVault vault) {
        java.net.http.HttpClient.Builder real = java.net.http.HttpClient.newBuilder()
                .sslContext(vault.clientSslContext()).version(java.net.http.HttpClient.Version.HTTP_2);
        return new JdkHttpClientBuilder(new Http2Only(real)).build();
    }

    /** Delegates every setting but the version. */
    private record Http2Only(java.net.http.HttpClient.Builder b) implements java.net.http.HttpClient.Builder {
        @Override
        public java.net.http.HttpClient.Builder cookieHandler(java.net.CookieHandler h) {
            b.cookieHandler(h);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder connectTimeout(Duration d) {
            b.connectTimeout(d);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder sslContext(javax.net.ssl.SSLContext c) {
            b.sslContext(c);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder sslParameters(javax.net.ssl.SSLParameters p) {
            b.sslParameters(p);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder executor(java.util.concurrent.Executor e) {
            b.executor(e);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder followRedirects(java.net.http.HttpClient.Redirect r) {
            b.followRedirects(r);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder version(java.net.http.HttpClient.Version v) {
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder priority(int p) {
            b.priority(p);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder proxy(java.net.ProxySelector p) {
            b.proxy(p);
            return this;
        }

        @Override
        public java.net.http.HttpClient.Builder authenticator(java.net.Authenticator a) {
            b.authenticator(a);
            return this;
        }

        @Override
        public java.net.http.HttpClient build() {
            return b.build();
        }
    }

    /** App Service style: IDENTITY_ENDPOINT + IDENTITY_HEADER given through the SDK configuration. */
    static TokenCredential appServiceCredential(DevVault vault, HttpClient http) {
        Msal.appService(vault);
        return new DefaultAzureCredentialBuilder()
                .configuration(new ConfigurationBuilder()
                        .putProperty("IDENTITY_ENDPOINT", vault.identityEndpoint())
                        .putProperty("IDENTITY_HEADER", vault.identityHeader())
                        .build())
                .httpClient(http)
                .build();
    }

    /** IMDS style: AZURE_POD_IDENTITY_AUTHORITY_HOST. */
    static TokenCredential imdsCredential(DevVault vault, HttpClient http) {
        Msal.imds(vault);
        return new DefaultAzureCredentialBuilder()
                .configuration(new ConfigurationBuilder()
                        .putProperty("AZURE_POD_IDENTITY_AUTHORITY_HOST", vault.podIdentityAuthorityHost())
                        .build())
                .httpClient(http)
                .build();
    }

    static RetryOptions fastRetries(int maxRetries) {
        return new RetryOptions(new ExponentialBackoffOptions().setMaxRetries(maxRetries)
                .setBaseDelay(Duration.ofMillis(10)).setMaxDelay(Duration.ofMillis(50)));
    }

    static SecretClientBuilder builder(DevVault vault, TokenCredential credential, HttpClient http, int maxRetries) {
        return new SecretClientBuilder()
                .vaultUrl(vault.vaultUrl())
                .credential(credential)
                .httpClient(http)
                .disableChallengeResourceVerification()
                .retryOptions(fastRetries(maxRetries));
    }

    static SecretClient secretClient(DevVault vault) {
        HttpClient http = httpClient(vault);
        return builder(vault, appServiceCredential(vault, http), http, 3).buildClient();
    }

    static SecretAsyncClient secretAsyncClient(DevVault vault) {
        HttpClient http = httpClient(vault);
        return builder(vault, appServiceCredential(vault, http), http, 3).buildAsyncClient();
    }
}
