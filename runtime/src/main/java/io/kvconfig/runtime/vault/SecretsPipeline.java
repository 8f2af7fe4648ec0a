package io.kvconfig.runtime.vault;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpPipeline;
import com.azure.core.http.HttpPipelineBuilder;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.core.http.policy.HttpLoggingPolicy;
import com.azure.core.http.policy.HttpPipelinePolicy;
import com.azure.core.http.policy.UserAgentPolicy;
import com.azure.core.util.Configuration;
import com.azure.core.util.CoreUtils;
import com.azure.core.util.tracing.TracerProvider;
import com.azure.security.keyvault.secrets.implementation.KeyVaultCredentialPolicy;

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
 * {@code SecretPipelineEquivalenceTest} shows the same values, requests, failure kinds and messages through this
 * pipeline as through the builder's.
 */
final class SecretsPipeline {

    private static final Map<String, String> PROPERTIES = CoreUtils.getProperties("azure-security-keyvault-secrets.properties");
    /** The builder's user agent: its library name and version from the SDK's own properties file. */
    static final String CLIENT_NAME = PROPERTIES.getOrDefault("name", "UnknownName");
    static final String CLIENT_VERSION = PROPERTIES.getOrDefault("version", "UnknownVersion");

    private SecretsPipeline() {
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
}
