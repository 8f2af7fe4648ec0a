package io.kvconfig.runtime.vault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.reflect.Constructor;
import java.lang.reflect.Type;
import java.net.MalformedURLException;
import java.net.URL;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.jboss.logging.Logger;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.util.Configuration;
import com.azure.core.util.CoreUtils;
import com.azure.core.util.Header;
import com.azure.core.util.serializer.CollectionFormat;
import com.azure.core.util.serializer.JacksonAdapter;
import com.azure.core.util.serializer.SerializerAdapter;
import com.azure.core.util.serializer.SerializerEncoding;
import com.azure.core.util.tracing.TracerProvider;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.SecretServiceVersion;
import com.azure.security.keyvault.secrets.implementation.KeyVaultCredentialPolicy;
import com.azure.security.keyvault.secrets.implementation.SecretClientImpl;

/**
 * The HTTP pipeline of the extension's secrets clients, built here instead of by {@code SecretClientBuilder} so that
 * a startup GET runs only what it needs. The builder's pipeline (azure-security-keyvault-secrets 4.11) is: user agent,
 * client-option headers (none are set), policy providers found by {@code ServiceLoader} (none ship with the SDK or
 * this extension), the retry policy, the Key Vault challenge policy, the caller's per-retry policies, policy
 * providers again, HTTP logging; a tracer from the default provider. This one keeps, in the same order and with the
 * same arguments: the user agent, the SDK's own {@code KeyVaultCredentialPolicy} (challenge, resource verification,
 * token cache: the same requests and the same failures as before), the caller's per-retry policies (the
 * authorized signal and metrics) and the tracer. It leaves out:
 * <ul>
 * <li>the retry policy: the extension's clients ran with SDK retries off anyway (the resolver owns retries, see
 * {@link KeyVaultClients}); without the policy nothing is retried either, and nothing logs "Retry attempts have been
 * exhausted";</li>
 * <li>HTTP logging unless it is turned on ({@code AZURE_HTTP_LOG_DETAIL_LEVEL}, read by {@link HttpLogOptions} as
 * the builder does): with it off the policy logs nothing, but its class initialiser builds a pretty-printing Jackson
 * mapper, about 490 classes (Jackson and the JDK's locale data) an application without Jackson loads for nothing.</li>
 * </ul>
 * The client on top ({@link #client}) differs from the builder's in one thing: its serializer. The builder's
 * {@code SecretClientImpl} takes azure-core's global {@code JacksonAdapter}, whose holder builds its Jackson
 * {@code ObjectMapper}s at once: about 490 Jackson classes (and the JDK's locale data for Jackson's date format) that
 * a GET never uses, because the secrets models read and write themselves with azure-json. Here the implementation
 * gets a {@link LazySerializerAdapter}: the same global adapter, fetched the first time anything asks the serializer
 * for work, so whatever needs it gets exactly what it got before.
 * {@code SecretPipelineEquivalenceTest} shows the same values, requests, failure kinds and messages through this
 * client as through the builder's.
 */
final class SecretsPipeline {

    private static final Logger LOG = Logger.getLogger(SecretsPipeline.class);
    /** SecretAsyncClient's constructor is package-private (the builder calls it); null when it cannot be opened. */
    private static final Constructor<SecretAsyncClient> ASYNC_CLIENT = asyncClientConstructor();

    private static final Map<String, String> PROPERTIES = CoreUtils.getProperties("azure-security-keyvault-secrets.properties");
    /** The builder's user agent: its library name and version from the SDK's own properties file. */
    static final String CLIENT_NAME = PROPERTIES.getOrDefault("name", "UnknownName");
    static final String CLIENT_VERSION = PROPERTIES.getOrDefault("version", "UnknownVersion");

    private SecretsPipeline() {
    }

    /**
     * The async client over {@code pipeline}, as {@code SecretClientBuilder.pipeline(pipeline).buildAsyncClient()}
     * builds it (same URL form, the latest service version) but with the lazily created serializer; the builder's own
     * client when the SDK's constructor cannot be reached.
     */
    static SecretAsyncClient client(String vaultUrl, HttpPipeline pipeline) {
        if (ASYNC_CLIENT != null) {
            try {
                String url = new URL(vaultUrl).toString();
                SecretClientImpl impl = new SecretClientImpl(pipeline, new LazySerializerAdapter(), url,
                        SecretServiceVersion.getLatest());
                return ASYNC_CLIENT.newInstance(impl, url);
            } catch (MalformedURLException e) {
                // the builder says it in its words
            } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
                LOG.debugf("Key Vault: building the secrets client directly failed (%s); using SecretClientBuilder", e);
            }
        }
        return new SecretClientBuilder().vaultUrl(vaultUrl).pipeline(pipeline).buildAsyncClient();
    }

    private static Constructor<SecretAsyncClient> asyncClientConstructor() {
        try {
            Constructor<SecretAsyncClient> c = SecretAsyncClient.class.getDeclaredConstructor(SecretClientImpl.class,
                    String.class);
            c.setAccessible(true);
            return c;
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.debugf("Key Vault: SecretAsyncClient's constructor cannot be opened (%s); using SecretClientBuilder", e);
            return null;
        }
    }

    static HttpPipeline build(HttpClient httpClient, TokenCredential credential, boolean challengeResourceVerification,
            List<HttpPipelinePolicy> perRetry) {
        Configuration configuration = Configuration.getGlobalConfiguration().clone();
        HttpLogOptions logOptions = new HttpLogOptions();
        List<HttpPipelinePolicy> policies = new ArrayList<>();
        policies.add(new UserAgentPolicy(CoreUtils.getApplicationId(null, logOptions), CLIENT_NAME, CLIENT_VERSION,
                configuration));
        policies.add(new KeyVaultCredentialPolicy(credential, !challengeResourceVerification));
        policies.addAll(perRetry);
        if (logOptions.getLogLevel() != HttpLogDetailLevel.NONE) {
            policies.add(new HttpLoggingPolicy(logOptions));
        }
        return new HttpPipelineBuilder()
                .policies(policies.toArray(HttpPipelinePolicy[]::new))
                .httpClient(httpClient)
                .tracer(TracerProvider.getDefaultProvider().createTracer(CLIENT_NAME, CLIENT_VERSION, "Microsoft.KeyVault", null))
                .build();
    }

    /** azure-core's global serializer adapter, fetched on first use: until then no Jackson class is loaded. */
    static final class LazySerializerAdapter implements SerializerAdapter {

        private volatile SerializerAdapter delegate;

        SerializerAdapter delegate() {
            SerializerAdapter d = delegate;
            if (d == null) {
                d = JacksonAdapter.createDefaultSerializerAdapter();
                delegate = d;
            }
            return d;
        }

        boolean created() {
            return delegate != null;
        }

        @Override
        public String serialize(Object object, SerializerEncoding encoding) throws IOException {
            return delegate().serialize(object, encoding);
        }

        @Override
        public byte[] serializeToBytes(Object object, SerializerEncoding encoding) throws IOException {
            return delegate().serializeToBytes(object, encoding);
        }

        @Override
        public void serialize(Object object, SerializerEncoding encoding, OutputStream outputStream) throws IOException {
            delegate().serialize(object, encoding, outputStream);
        }

        @Override
        public String serializeRaw(Object object) {
            return delegate().serializeRaw(object);
        }

        @Override
        public String serializeList(List<?> list, CollectionFormat format) {
            return delegate().serializeList(list, format);
        }

        @Override
        public String serializeIterable(Iterable<?> iterable, CollectionFormat format) {
            return delegate().serializeIterable(iterable, format);
        }

        @Override
        public <T> T deserialize(String value, Type type, SerializerEncoding encoding) throws IOException {
            return delegate().deserialize(value, type, encoding);
        }

        @Override
        public <T> T deserialize(byte[] bytes, Type type, SerializerEncoding encoding) throws IOException {
            return delegate().deserialize(bytes, type, encoding);
        }

        @Override
        public <T> T deserialize(InputStream inputStream, Type type, SerializerEncoding encoding) throws IOException {
            return delegate().deserialize(inputStream, type, encoding);
        }

        @Override
        public <T> T deserialize(HttpHeaders headers, Type type) throws IOException {
            return delegate().deserialize(headers, type);
        }

        @Override
        public <T> T deserializeHeader(Header header, Type type) throws IOException {
            return delegate().deserializeHeader(header, type);
        }
    }
}
