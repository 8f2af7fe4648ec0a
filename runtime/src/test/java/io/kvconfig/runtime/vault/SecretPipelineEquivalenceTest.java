package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.implementation.KeyVaultCredentialPolicy;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;

import io.kvconfig.devvault.DevVault;

/**
 * The extension's own secrets pipeline ({@link SecretsPipeline}, through {@link KeyVaultClients#forVault}) against the
 * pipeline the SDK's {@code SecretClientBuilder} builds (as the extension built it before: same HTTP client, same
 * credential, retries off), on the real dev vault: the same values, the same requests in the vault's journal, and
 * for every failure the same exception type, status and message, and the same classification (kind, retryable,
 * Retry-After, the message the resolver prints).
 */
class SecretPipelineEquivalenceTest {

    static final Duration CALL = Duration.ofSeconds(30);
    /** As the extension's clients were built before SecretsPipeline: one allowed retry whose condition is never true. */
    static final RetryOptions NO_RETRIES = new RetryOptions(new FixedDelayOptions(1, Duration.ofMillis(1)))
            .setShouldRetryCondition(condition -> false);

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust"))
                .ruleDelay(Duration.ZERO).secret("same-one", "same-value-4c1e").build().start();
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void clean() {
        vault.faults().clear();
    }

    static KeyVaultSettings settings(String url, boolean verifyChallengeResource) {
        Map<String, String> m = new HashMap<>();
        m.put(KeyVaultSettings.URL, url);
        m.put(KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT, vault.identityEndpoint());
        m.put(KeyVaultSettings.CREDENTIAL_IDENTITY_HEADER, vault.identityHeader());
        m.put(KeyVaultSettings.TLS_TRUST_STORE, vault.caCertificatePath().toString());
        m.put(KeyVaultSettings.CHALLENGE_RESOURCE_VERIFICATION, Boolean.toString(verifyChallengeResource));
        return KeyVaultSettings.from(k -> Optional.ofNullable(m.get(k)));
    }

    static SecretAsyncClient sdkPipeline(KeyVaultClients clients, String url) {
        SecretClientBuilder b = new SecretClientBuilder().vaultUrl(url).credential(clients.credential())
                .httpClient(clients.httpClient()).retryOptions(NO_RETRIES);
        if (!clients.settings().challengeResourceVerification()) {
            b.disableChallengeResourceVerification();
        }
        return b.buildAsyncClient();
    }

    /** What one call did: its value or its failure, and the vault's journal counts for it. */
    record Outcome(String value, boolean versioned, String errorType, Integer status, String errorMessage,
            ErrorClassifier.Classified classified, Map<String, Long> requests) {
    }

    /**
     * Runs the call through a fresh client of each pipeline (each with its own token cache; the SDK's per-JVM
     * challenge cache cleared, so each starts with the challenge round as a new process does).
     */
    static void assertSame(KeyVaultSettings s, String url, Consumer<DevVault> arrange,
            Function<SecretAsyncClient, KeyVaultSecret> call, Consumer<Outcome> check) {
        try (KeyVaultClients ours = new KeyVaultClients(s); KeyVaultClients sdk = new KeyVaultClients(s)) {
            Outcome viaOurs = run(ours, ours.forVault(url), arrange, call);
            Outcome viaSdk = run(sdk, sdkPipeline(sdk, url), arrange, call);
            assertThat(viaOurs).isEqualTo(viaSdk);
            check.accept(viaOurs);
        }
    }

    static Outcome run(KeyVaultClients clients, SecretAsyncClient client, Consumer<DevVault> arrange,
            Function<SecretAsyncClient, KeyVaultSecret> call) {
        KeyVaultCredentialPolicy.clearCache();
        vault.faults().clear();
        arrange.accept(vault);
        vault.journal().reset();
        Outcome o;
        try {
            KeyVaultSecret secret = call.apply(client);
            o = new Outcome(secret.getValue(), !secret.getProperties().getVersion().isBlank(), null, null, null, null, null);
        } catch (RuntimeException e) {
            Integer status = e instanceof com.azure.core.exception.HttpResponseException h && h.getResponse() != null
                    ? h.getResponse().getStatusCode()
                    : null;
            o = new Outcome(null, false, e.getClass().getName(), status, e.getMessage(),
                    ErrorClassifier.classify(e, clients.credentialDescription()), null);
        }
        Map<String, Long> requests = new HashMap<>(vault.journal().counts());
        requests.put("connections", vault.journal().connections());
        requests.put("total", vault.journal().total());
        return new Outcome(o.value(), o.versioned(), o.errorType(), o.status(), o.errorMessage(), o.classified(), requests);
    }

    @Test
    void aSecretIsReadWithTheSameRequests() {
        assertSame(settings(vault.vaultUrl(), false), vault.vaultUrl(), v -> {
        }, c -> c.getSecret("same-one").block(CALL), o -> {
            assertThat(o.value()).isEqualTo("same-value-4c1e");
            assertThat(o.versioned()).isTrue();
            // the challenge round, one token, one GET, one connection
            assertThat(o.requests()).containsEntry("Challenge", 1L).containsEntry("Token", 1L)
                    .containsEntry("GetSecret", 1L).containsEntry("connections", 1L);
        });
    }

    /**
     * The lever itself, counted: the extension's client carries the lazy serializer, and a read or a write never asks
     * it for work (so a startup batch that finds its secrets never builds azure-core's Jackson mappers).
     */
    @Test
    void theStartupPathNeverCreatesTheJacksonSerializer() throws Exception {
        try (KeyVaultClients clients = new KeyVaultClients(settings(vault.vaultUrl(), false))) {
            SecretAsyncClient client = clients.forVault(vault.vaultUrl());
            java.lang.reflect.Field impl = SecretAsyncClient.class.getDeclaredField("implClient");
            impl.setAccessible(true);
            Object serializer = ((com.azure.security.keyvault.secrets.implementation.SecretClientImpl) impl.get(client))
                    .getSerializerAdapter();
            assertThat(serializer).isInstanceOf(SecretsPipeline.LazySerializerAdapter.class);
            SecretsPipeline.LazySerializerAdapter lazy = (SecretsPipeline.LazySerializerAdapter) serializer;
            assertThat(client.getSecret("same-one").block(CALL).getValue()).isEqualTo("same-value-4c1e");
            assertThat(lazy.created()).as("after a GET").isFalse();
            client.setSecret("same-lazy", "lazy-value-77b0").block(CALL);
            assertThat(lazy.created()).as("after a write").isFalse();
            // an error answer is decoded through the serializer (the SDK's error model): then, and only then, the
            // global adapter is created, and the failure is the same as through the builder's client (see above)
            assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> client.getSecret("same-missing").block(CALL)))
                    .isInstanceOf(com.azure.core.exception.ResourceNotFoundException.class);
            assertThat(lazy.created()).as("after a 404").isTrue();
            assertThat(lazy.delegate()).isSameAs(com.azure.core.util.serializer.JacksonAdapter.createDefaultSerializerAdapter());
        }
    }

    @Test
    void aWriteAndAPinnedVersionReadTheSame() {
        assertSame(settings(vault.vaultUrl(), false), vault.vaultUrl(), v -> {
        }, c -> {
            KeyVaultSecret written = c.setSecret("same-written", "written-value-9d2a").block(CALL);
            return c.getSecret("same-written", written.getProperties().getVersion()).block(CALL);
        }, o -> {
            assertThat(o.value()).isEqualTo("written-value-9d2a");
            assertThat(o.requests()).containsEntry("SetSecret", 1L).containsEntry("GetSecret", 1L);
        });
    }

    @Test
    void aMissingSecretFailsTheSame() {
        assertSame(settings(vault.vaultUrl(), false), vault.vaultUrl(), v -> {
        }, c -> c.getSecret("same-missing").block(CALL), o -> {
            assertThat(o.status()).isEqualTo(404);
            assertThat(o.errorType()).endsWith("ResourceNotFoundException");
            assertThat(o.classified().kind()).isEqualTo(FailureKind.NOT_FOUND);
            assertThat(o.requests()).containsEntry("GetSecret", 1L);
        });
    }

    @Test
    void throttlingFailsTheSameWithItsRetryAfterAndIsNotRetriedUnderneath() {
        assertSame(settings(vault.vaultUrl(), false), vault.vaultUrl(), v -> v.faults().throttleNext(1, 7),
                c -> c.getSecret("same-one").block(CALL), o -> {
                    assertThat(o.status()).isEqualTo(429);
                    assertThat(o.classified().retryable()).isTrue();
                    assertThat(o.classified().retryAfter()).isEqualTo(Duration.ofSeconds(7));
                    // refused once and not retried underneath (the resolver owns retries)
                    assertThat(o.requests()).containsEntry("Throttled", 1L);
                });
    }

    @Test
    void aServerErrorFailsTheSame() {
        assertSame(settings(vault.vaultUrl(), false), vault.vaultUrl(), v -> v.faults().failNext(1, 503),
                c -> c.getSecret("same-one").block(CALL), o -> {
                    assertThat(o.status()).isEqualTo(503);
                    assertThat(o.classified().retryable()).isTrue();
                });
    }

    @Test
    void aChallengeForAnotherDomainFailsTheSameWithoutSendingTheToken() {
        // verification on against localhost: the vault's challenge names https://vault.azure.net
        assertSame(settings(vault.vaultUrl(), true), vault.vaultUrl(), v -> {
        }, c -> c.getSecret("same-one").block(CALL), o -> {
            assertThat(o.classified().kind()).isEqualTo(FailureKind.CHALLENGE_RESOURCE_MISMATCH);
            assertThat(o.errorMessage()).contains("does not match the requested domain");
            assertThat(o.requests()).containsEntry("Challenge", 1L).doesNotContainKey("Token")
                    .doesNotContainKey("GetSecret");
        });
    }

    @Test
    void anUnreachableVaultFailsTheSame() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        String url = "https://localhost:" + closedPort;
        assertSame(settings(url, false), url, v -> {
        }, c -> c.getSecret("same-one").block(CALL), o -> {
            assertThat(o.classified().kind()).isEqualTo(FailureKind.UNREACHABLE);
            assertThat(o.classified().retryable()).isTrue();
        });
    }
}
