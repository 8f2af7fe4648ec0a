package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.Field;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClientBuilder;
import com.azure.security.keyvault.secrets.implementation.KeyVaultCredentialPolicy;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.devvault.Journal;
import io.kvconfig.runtime.resolve.LogCapture;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import reactor.core.publisher.Mono;

/**
 * The resolver reads secrets with {@link SecretReader} instead of the secrets SDK's client (issue 14, lever 1): for
 * every answer a vault gives, both paths must end the same way. Each case runs once through
 * {@code SecretAsyncClient.getSecret} (built as {@link KeyVaultClients} builds it) and once through the reader, each
 * on fresh clients against the same dev vault state, and compares: the value and version; or the exception type and
 * what {@link ErrorClassifier} makes of it (kind, retryable, Retry-After, the whole message, status, the vault's
 * inner code, the client address); and the requests the vault journaled (operation, method, path, status), in
 * order. No secret value may appear in any captured output.
 */
class SecretReaderEquivalenceTest {

    @TempDir
    static Path tmp;
    static DevVault vault;
    static final List<String> VALUES = new ArrayList<>();
    LogCapture capture;

    @BeforeAll
    static void startVault() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust"))
                .ruleDelay(Duration.ZERO).build().start();
    }

    @AfterAll
    static void stopVault() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.faults().clear();
        vault.firewall().clearIpRules().defaultAction("Allow");
        vault.secretAccess().denyReads(false).accessPolicies(false);
        capture = new LogCapture();
    }

    @AfterEach
    void noValueInOutput() {
        capture.close();
        for (String v : VALUES) {
            assertThat(capture.text()).as("captured output").doesNotContain(v);
        }
    }

    static String seed(String name, String value) {
        VALUES.add(value);
        return vault.setSecret(name, value);
    }

    static Map<String, String> config() {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.kvconfig.url", vault.vaultUrl());
        m.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        m.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        m.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        m.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        m.put("quarkus.kvconfig.challenge-resource-verification", "false");
        return m;
    }

    enum Way {
        SDK, READER
    }

    /** How one read ended, and what the vault saw of it. */
    record Observed(String value, String version, Class<?> errorType, Classified classified, List<String> requests) {
        @Override
        public String toString() {
            // values stay out of assertion messages
            return "Observed[value " + (value == null ? "none" : "present") + ", version=" + version + ", error="
                    + errorType + ", " + classified + ", requests=" + requests + "]";
        }
    }

    /**
     * The secrets SDK keeps every vault's challenge in a JVM-wide static map (by host and port), so its second
     * client for a vault skips the challenge, and the check of its resource. Emptied before each SDK read: both ways
     * then start as in a new JVM, which is what startup is.
     */
    static void forgetSdkChallenges() {
        try {
            Field cache = KeyVaultCredentialPolicy.class.getDeclaredField("CHALLENGE_CACHE");
            cache.setAccessible(true);
            ((Map<?, ?>) cache.get(null)).clear();
        } catch (ReflectiveOperationException e) {
            throw new AssertionError("the SDK's challenge cache moved; update this test", e);
        }
    }

    /** Reads (name, version) through one way with fresh clients; {@code reads} > 1 reads again with the same clients. */
    static Observed read(Way way, Map<String, String> cfg, TokenCredential credential, String url, String name,
            String version, int reads) {
        KeyVaultSettings s = KeyVaultSettings.from(n -> Optional.ofNullable(cfg.get(n)));
        vault.journal().reset();
        if (way == Way.SDK) {
            forgetSdkChallenges();
        }
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            TokenCredential cred = credential != null ? credential : clients.credential();
            Observed last = null;
            SecretAsyncClient sdk = sdkClient(clients, s, cred, url);
            SecretReader reader = new SecretReader(url, clients.httpClient(), cred, s.challengeResourceVerification(),
                    new CompletableFuture<>());
            for (int i = 0; i < reads; i++) {
                vault.journal().reset();
                try {
                    if (way == Way.SDK) {
                        KeyVaultSecret secret = (version == null ? sdk.getSecret(name) : sdk.getSecret(name, version))
                                .block(Duration.ofSeconds(30));
                        last = new Observed(secret.getValue(), secret.getProperties().getVersion(), null, null, requests());
                    } else {
                        SecretReader.Secret secret = reader.get(name, version).block(Duration.ofSeconds(30));
                        last = new Observed(secret.value(), secret.version(), null, null, requests());
                    }
                } catch (RuntimeException e) {
                    Throwable cause = e.getClass() == RuntimeException.class && e.getCause() != null ? e.getCause() : e;
                    last = new Observed(null, null, cause.getClass(), ErrorClassifier.classify(e,
                            clients.credentialDescription()), requests());
                }
            }
            return last;
        }
    }

    /** The secrets client exactly as {@link KeyVaultClients#forVault} builds it, over the given credential. */
    static SecretAsyncClient sdkClient(KeyVaultClients clients, KeyVaultSettings s, TokenCredential credential, String url) {
        if (credential == clients.credential()) {
            return clients.forVault(url);
        }
        SecretClientBuilder b = new SecretClientBuilder().vaultUrl(url).credential(credential)
                .httpClient(clients.httpClient()).retryOptions(new com.azure.core.http.policy.RetryOptions(
                        new com.azure.core.http.policy.FixedDelayOptions(1, Duration.ofMillis(1))).setShouldRetryCondition(c -> false));
        if (!s.challengeResourceVerification()) {
            b.disableChallengeResourceVerification();
        }
        return b.buildAsyncClient();
    }

    static List<String> requests() {
        List<String> out = new ArrayList<>();
        for (Journal.Entry e : vault.journal().entries()) {
            if (!e.operation().equals("AuthorizationHeader")) {
                out.add(e.operation() + " " + e.method() + " " + e.path() + " " + e.status());
            }
        }
        return out;
    }

    /** Runs the case both ways, with {@code setUp} applied before each, and asserts they ended the same way. */
    static Observed same(Consumer<Map<String, String>> setUp, TokenCredential credential, String url, String name,
            String version, int reads) {
        Map<String, String> cfg = config();
        setUp.accept(cfg);
        Observed sdk = read(Way.SDK, cfg, credential, url, name, version, reads);
        Map<String, String> cfg2 = config();
        setUp.accept(cfg2);
        Observed reader = read(Way.READER, cfg2, credential, url, name, version, reads);
        assertThat(reader).as("the reader ends as the SDK's client").isEqualTo(sdk);
        return reader;
    }

    static Observed same(String name, String version) {
        return same(c -> {
        }, null, vault.vaultUrl(), name, version, 1);
    }

    @Test
    void latestAndPinnedVersionsAndEveryCharacter() {
        String v1 = seed("eq-db", "eq-old-\u03a9 ' \" \\ \n end");
        String v2 = seed("eq-db", "eq-new-\u00e9\u4e2d {\"json\": true}");
        Observed latest = same("eq-db", null);
        assertThat(latest.value()).isEqualTo("eq-new-\u00e9\u4e2d {\"json\": true}");
        assertThat(latest.version()).isEqualTo(v2);
        assertThat(latest.requests()).hasSize(3).first().asString().isEqualTo("Challenge GET /secrets/eq-db 401");
        Observed pinned = same("eq-db", v1);
        assertThat(pinned.value()).isEqualTo("eq-old-\u03a9 ' \" \\ \n end");
        assertThat(pinned.version()).isEqualTo(v1);
        // the name is case-insensitive in the vault; the path keeps the caller's spelling
        assertThat(same("EQ-DB", null).value()).isEqualTo("eq-new-\u00e9\u4e2d {\"json\": true}");
    }

    @Test
    void aSecondReadUsesTheKeptChallengeAndToken() {
        seed("eq-again", "eq-again-value-1");
        Observed second = same(c -> {
        }, null, vault.vaultUrl(), "eq-again", null, 2);
        assertThat(second.requests()).singleElement().asString().isEqualTo("GetSecret GET /secrets/eq-again 200");
    }

    @Test
    void notFoundDisabledAndVersionNotFound() {
        seed("eq-present", "eq-present-value");
        assertThat(same("eq-missing", null).classified().kind()).isEqualTo(FailureKind.NOT_FOUND);
        assertThat(same("eq-present", "0123456789abcdef0123456789abcdef").classified().kind()).isEqualTo(FailureKind.NOT_FOUND);
        VALUES.add("eq-disabled-value");
        try (KeyVaultClients clients = new KeyVaultClients(KeyVaultSettings.from(n -> Optional.ofNullable(config().get(n))))) {
            clients.forVault(vault.vaultUrl()).setSecret(new KeyVaultSecret("eq-disabled", "eq-disabled-value")
                    .setProperties(new SecretProperties().setEnabled(false))).block(Duration.ofSeconds(30));
        }
        Observed disabled = same("eq-disabled", null);
        assertThat(disabled.classified().kind()).isEqualTo(FailureKind.DISABLED);
        assertThat(disabled.classified().status()).isEqualTo(403);
    }

    @Test
    void firewallAndAuthorizationRefusals() {
        seed("eq-locked", "eq-locked-value");
        vault.firewall().defaultAction("Deny");
        Observed firewall = same("eq-locked", null);
        assertThat(firewall.classified().kind()).isEqualTo(FailureKind.FIREWALL_BLOCKED);
        assertThat(firewall.classified().clientAddress()).isNotNull();
        vault.firewall().defaultAction("Allow");
        vault.secretAccess().denyReads(true);
        Observed rbac = same("eq-locked", null);
        assertThat(rbac.classified().kind()).isEqualTo(FailureKind.ACCESS_DENIED);
        assertThat(rbac.classified().vaultCode()).isEqualTo("ForbiddenByRbac");
        vault.secretAccess().accessPolicies(true);
        assertThat(same("eq-locked", null).classified().vaultCode()).isEqualTo("AccessDenied");
    }

    @Test
    void throttlingAndServerErrors() {
        seed("eq-busy", "eq-busy-value");
        // the fault hits the first request: the challenge itself is refused
        Observed throttled = same(c -> vault.faults().throttleNext(1, 7), null, vault.vaultUrl(), "eq-busy", null, 1);
        assertThat(throttled.classified().kind()).isEqualTo(FailureKind.THROTTLED);
        assertThat(throttled.classified().retryAfter()).isEqualTo(Duration.ofSeconds(7));
        Observed unavailable = same(c -> vault.faults().failNext(1, 503), null, vault.vaultUrl(), "eq-busy", null, 1);
        assertThat(unavailable.classified().kind()).isEqualTo(FailureKind.UNEXPECTED);
        assertThat(unavailable.classified().retryable()).isTrue();
        assertThat(unavailable.classified().status()).isEqualTo(503);
    }

    @Test
    void credentialFailuresAndRejectedTokens() {
        seed("eq-auth", "eq-auth-value");
        Observed noToken = same(c -> {
            c.put("quarkus.kvconfig.credential.type", "managed-identity");
            c.put("quarkus.kvconfig.credential.identity-header", "wrong-header");
        }, null, vault.vaultUrl(), "eq-auth", null, 1);
        assertThat(noToken.classified().kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
        assertThat(noToken.classified().detail()).contains("wrong identity-header");
        // a token the vault does not accept (expired): the challenge, the token, the refused GET, on both ways
        TokenCredential expired = request -> Mono.fromSupplier(() -> new AccessToken(
                vault.issueToken("https://vault.azure.net", Duration.ofSeconds(-60)), OffsetDateTime.now().plusHours(1)));
        Observed rejected = same(c -> {
        }, expired, vault.vaultUrl(), "eq-auth", null, 1);
        assertThat(rejected.classified().kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
        assertThat(rejected.classified().detail()).contains("the vault rejected the token");
    }

    @Test
    void challengeForAnotherDomainSendsNoToken() {
        seed("eq-domain", "eq-domain-value");
        Observed mismatch = same(c -> c.put("quarkus.kvconfig.challenge-resource-verification", "true"), null,
                vault.vaultUrl(), "eq-domain", null, 1);
        assertThat(mismatch.classified().kind()).isEqualTo(FailureKind.CHALLENGE_RESOURCE_MISMATCH);
        assertThat(mismatch.requests()).singleElement().asString().startsWith("Challenge");
    }

    @Test
    void unreachableAndUntrustedVaults() throws Exception {
        int closedPort;
        try (ServerSocket closed = new ServerSocket(0)) {
            closedPort = closed.getLocalPort();
        }
        Observed unreachable = same(c -> {
        }, null, "https://localhost:" + closedPort, "eq-far", null, 1);
        assertThat(unreachable.classified().kind()).isEqualTo(FailureKind.UNREACHABLE);
        seed("eq-untrusted", "eq-untrusted-value");
        Observed untrusted = same(c -> {
            c.remove("quarkus.kvconfig.tls.trust-store");
            c.remove("quarkus.kvconfig.tls.trust-store-password");
        }, null, vault.vaultUrl(), "eq-untrusted", null, 1);
        assertThat(untrusted.classified().kind()).isEqualTo(FailureKind.TLS_UNTRUSTED);
    }
}
