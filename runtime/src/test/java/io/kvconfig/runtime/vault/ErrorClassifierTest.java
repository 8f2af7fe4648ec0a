package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLHandshakeException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceModifiedException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.identity.CredentialUnavailableException;

import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

class ErrorClassifierTest {

    static final String CRED = "DefaultAzureCredential (chain: ...)";

    static final class FakeResponse extends HttpResponse {
        final int status;
        final HttpHeaders headers;

        FakeResponse(int status, Map<String, String> headers) {
            super(new HttpRequest(HttpMethod.GET, "https://kv.vault.azure.net/secrets/s1/?api-version=2025-07-01"));
            this.status = status;
            this.headers = new HttpHeaders(headers);
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        public String getHeaderValue(String name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<java.nio.ByteBuffer> getBody() {
            return Flux.empty();
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.empty();
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.empty();
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.empty();
        }
    }

    static String body(String code, String message, String inner) {
        return "Status code 403, \"{\"error\":{\"code\":\"" + code + "\",\"message\":\"" + message + "\""
                + (inner == null ? "" : ",\"innererror\":{\"code\":\"" + inner + "\"}") + "}}\"";
    }

    static Classified classify(Throwable t) {
        return ErrorClassifier.classify(t, CRED);
    }

    @Test
    void notFound() {
        Classified c = classify(new ResourceNotFoundException(
                "Status code 404, \"{\"error\":{\"code\":\"SecretNotFound\",\"message\":\"A secret with (name/id) s1 was not found in this key vault.\"}}\"",
                new FakeResponse(404, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.NOT_FOUND);
        assertThat(c.retryable()).isFalse();
        assertThat(c.detail()).contains("does not exist").contains("SecretNotFound").contains("was not found in this key vault");
    }

    @ParameterizedTest
    @CsvSource({ "ForbiddenByFirewall", "ForbiddenByConnection" })
    void firewallNamesTheClientAddress(String inner) {
        String msg = "Client address is not authorized and caller is not a trusted service.\\r\\nClient address: 203.0.113.10\\r\\nCaller: appid=x\\r\\nVault: kv;location=westeurope";
        Classified c = classify(new ResourceModifiedException(body("Forbidden", msg, inner), new FakeResponse(403, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.FIREWALL_BLOCKED);
        assertThat(c.retryable()).isFalse();
        assertThat(c.detail()).contains("client address 203.0.113.10").contains(inner);
    }

    @ParameterizedTest
    @CsvSource({ "ForbiddenByFirewall", "ForbiddenByConnection" })
    void aFirewallRefusalIsFoundInTheCauseChainWithCodeAndAddress(String inner) {
        String msg = "Client address is not authorized and caller is not a trusted service.\\r\\nClient address: 203.0.113.10\\r\\nCaller: appid=x";
        Throwable refusal = new ResourceModifiedException(body("Forbidden", msg, inner), new FakeResponse(403, Map.of()));
        Throwable wrapped = new IllegalStateException("allowlisting did not help", refusal);
        assertThat(ErrorClassifier.isFirewallRefusal(wrapped)).isTrue();
        Classified c = ErrorClassifier.firewallRefusal(wrapped);
        assertThat(c.vaultCode()).isEqualTo(inner);
        assertThat(c.clientAddress()).isEqualTo("203.0.113.10");
    }

    @Test
    void theFirewallSentenceWithoutAnInnerCodeIsAFirewallRefusal() {
        String msg = "Client address is not authorized and caller is not a trusted service. Client address: 198.51.100.7";
        Classified c = classify(new ResourceModifiedException(body("Forbidden", msg, null), new FakeResponse(403, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.FIREWALL_BLOCKED);
        assertThat(c.clientAddress()).isEqualTo("198.51.100.7");
    }

    @Test
    void otherRefusalsAreNotTheFirewall() {
        Throwable denied = new ResourceModifiedException(body("Forbidden", "The user does not have secrets get permission", "AccessDenied"),
                new FakeResponse(403, Map.of()));
        assertThat(ErrorClassifier.isFirewallRefusal(denied)).isFalse();
        assertThat(ErrorClassifier.firewallRefusal(new RuntimeException("Client address is not authorized"))).isNull();
        assertThat(ErrorClassifier.isFirewallRefusal(new ResourceNotFoundException("Status code 404",
                new FakeResponse(404, Map.of())))).isFalse();
    }

    @Test
    void firewallWithoutAddress() {
        Classified c = classify(new ResourceModifiedException(body("Forbidden", "Public network access is disabled", "ForbiddenByConnection"),
                new FakeResponse(403, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.FIREWALL_BLOCKED);
        assertThat(c.detail()).contains("(not reported)");
    }

    @Test
    void aRefusedChallengeIsAnAuthenticationFailureThatSaysNoTokenWasSent() {
        // the SDK's challenge resource verification throws a plain RuntimeException, possibly wrapped
        RuntimeException sdk = new RuntimeException("The challenge resource 'https://vault.azure.net/.default' does not "
                + "match the requested domain. If you wish to disable this check for your client, pass 'true' to the "
                + "SecretClientBuilder.disableChallengeResourceVerification() method when building it. See "
                + "https://aka.ms/azsdk/blog/vault-uri for more information.");
        for (Throwable e : new Throwable[] {sdk, new java.util.concurrent.CompletionException(sdk)}) {
            Classified c = classify(e);
            assertThat(c.kind()).isEqualTo(FailureKind.CHALLENGE_RESOURCE_MISMATCH);
            assertThat(c.retryable()).isFalse();
            assertThat(c.detail()).contains("'https://vault.azure.net/.default'").contains("no token was sent")
                    .contains("check the vault URL").contains("does not contain the vault's host")
                    .contains("quarkus.kvconfig.challenge-resource-verification=false");
        }
        // any other plain RuntimeException stays unexpected
        assertThat(classify(new RuntimeException("something else")).kind()).isEqualTo(FailureKind.UNEXPECTED);
    }

    @Test
    void disabled() {
        Classified c = classify(new ResourceModifiedException(
                body("Forbidden", "Operation get is not allowed on a disabled secret.", "SecretDisabled"),
                new FakeResponse(403, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.DISABLED);
    }

    @Test
    void accessDeniedSaysWhichRoleToGrant() {
        Classified c = classify(new ResourceModifiedException(
                body("Forbidden", "Caller is not authorized to perform action on resource.", "ForbiddenByRbac"),
                new FakeResponse(403, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
        assertThat(c.detail()).contains("Key Vault Secrets User").contains("DefaultAzureCredential");
    }

    @ParameterizedTest
    @CsvSource({ "ObjectIsBeingDeleted,deleted", "ObjectIsBeingRecovered,recovered" })
    void aDeletionOrRecoveryStillRunningIsTransient(String inner, String word) {
        Classified c = classify(new ResourceModifiedException(
                body("Conflict", "Secret s1 is currently being " + word + " and cannot be re-created; retry later.", inner),
                new FakeResponse(409, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.DELETION_IN_PROGRESS);
        assertThat(c.retryable()).isTrue();
        assertThat(c.status()).isEqualTo(409);
        assertThat(c.vaultCode()).isEqualTo(inner);
        assertThat(c.detail()).startsWith("the secret is being " + word + " in the vault").contains("retry later");
        assertThat(Backoff.forFailure(c.kind())).isEqualTo(Backoff.TRANSIENT);
    }

    @Test
    void aDeletedButRecoverableSecretIsPermanentAndSaysWhatToDo() {
        Classified c = classify(new ResourceModifiedException(body("Conflict", "Secret s1 is currently in a deleted but "
                + "recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or "
                + "purged.", "ObjectIsDeletedButRecoverable"), new FakeResponse(409, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.DELETED_RECOVERABLE);
        assertThat(c.retryable()).isFalse();
        assertThat(c.vaultCode()).isEqualTo("ObjectIsDeletedButRecoverable");
        assertThat(c.detail()).contains("deleted but recoverable").contains("recover it").contains("purge it")
                .contains("choose another secret name");
    }

    @Test
    void anotherConflictStaysUnexpectedAndIsNotRetried() {
        Classified c = classify(new ResourceModifiedException(body("Conflict", "Something else.", null),
                new FakeResponse(409, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.UNEXPECTED);
        assertThat(c.retryable()).isFalse();
        assertThat(c.detail()).contains("HTTP 409");
    }

    @Test
    void throttledHonoursRetryAfter() {
        Classified c = classify(new HttpResponseException("Status code 429", new FakeResponse(429, Map.of("Retry-After", "3"))));
        assertThat(c.kind()).isEqualTo(FailureKind.THROTTLED);
        assertThat(c.retryable()).isTrue();
        assertThat(c.retryAfter()).isEqualTo(Duration.ofSeconds(3));
        Classified ms = classify(new HttpResponseException("Status code 429",
                new FakeResponse(429, Map.of("x-ms-retry-after-ms", "250", "Retry-After", "3"))));
        assertThat(ms.retryAfter()).isEqualTo(Duration.ofMillis(250));
        Classified none = classify(new HttpResponseException("Status code 429", new FakeResponse(429, Map.of())));
        assertThat(none.retryAfter()).isNull();
        assertThat(none.retryable()).isTrue();
    }

    @ParameterizedTest
    @CsvSource({ "500", "502", "503", "504" })
    void serverErrorsRetry(int status) {
        Classified c = classify(new HttpResponseException("Status code " + status + ", (empty body)", new FakeResponse(status, Map.of())));
        assertThat(c.retryable()).isTrue();
        assertThat(c.detail()).contains("HTTP " + status);
    }

    @Test
    void badRequestDoesNotRetry() {
        Classified c = classify(new HttpResponseException("Status code 400", new FakeResponse(400, Map.of())));
        assertThat(c.retryable()).isFalse();
        assertThat(c.kind()).isEqualTo(FailureKind.UNEXPECTED);
    }

    @Test
    void vaultRejectingTheToken() {
        Classified c = classify(new ClientAuthenticationException("Status code 401", new FakeResponse(401, Map.of())));
        assertThat(c.kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
        assertThat(c.detail()).contains("rejected the token");
    }

    @Test
    void credentialFailuresNameTheCredential() {
        Classified c = classify(new CredentialUnavailableException("ManagedIdentityCredential authentication unavailable."));
        assertThat(c.kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
        assertThat(c.retryable()).isFalse();
        assertThat(c.detail()).contains(CRED).contains("ManagedIdentityCredential authentication unavailable");
        Classified c2 = classify(new ClientAuthenticationException("token endpoint said no", null));
        assertThat(c2.kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
        assertThat(c2.detail()).contains("could not get a token with " + CRED);
    }

    @Test
    void connectionErrors() {
        Classified refused = classify(new RuntimeException(new ConnectException("Connection refused")));
        assertThat(refused.kind()).isEqualTo(FailureKind.UNREACHABLE);
        assertThat(refused.retryable()).isTrue();
        Classified dns = classify(new java.io.UncheckedIOException(new UnknownHostException("nope.vault.azure.net")));
        assertThat(dns.kind()).isEqualTo(FailureKind.UNREACHABLE);
        assertThat(dns.detail()).contains("cannot resolve").contains("nope.vault.azure.net");
        Classified eof = classify(new java.io.UncheckedIOException(new java.io.EOFException("EOF reached while reading")));
        assertThat(eof.kind()).isEqualTo(FailureKind.UNREACHABLE);
        assertThat(eof.retryable()).isTrue();
    }

    @Test
    void untrustedCertificateDoesNotRetryAndPointsAtTheTrustStore() {
        SSLHandshakeException ssl = new SSLHandshakeException("PKIX path building failed");
        ssl.initCause(new CertificateException("unable to find valid certification path"));
        Classified c = classify(new RuntimeException(ssl));
        assertThat(c.kind()).isEqualTo(FailureKind.TLS_UNTRUSTED);
        assertThat(c.retryable()).isFalse();
        assertThat(c.detail()).contains("quarkus.kvconfig.tls.trust-store");
        // as the Vert.x transport reports it: a generic handshake failure around the JDK's PKIX error
        SSLHandshakeException inner = new SSLHandshakeException("PKIX path building failed: unable to find valid path");
        inner.initCause(new CertificateException("unable to find valid certification path"));
        SSLHandshakeException outer = new SSLHandshakeException("Failed to create SSL connection");
        outer.initCause(inner);
        Classified wrapped = classify(outer);
        assertThat(wrapped.kind()).isEqualTo(FailureKind.TLS_UNTRUSTED);
        assertThat(wrapped.retryable()).isFalse();
        assertThat(FailureKind.TLS_UNTRUSTED.words()).isEqualTo("the vault's certificate is not trusted");
    }

    @Test
    void attemptTimeoutRetries() {
        Classified c = classify(new TimeoutException("Did not observe any item"));
        assertThat(c.kind()).isEqualTo(FailureKind.TIMED_OUT);
        assertThat(c.retryable()).isTrue();
    }

    @Test
    void unknownErrorsDoNotQuoteTheirMessage() {
        Classified c = classify(new IllegalStateException("Unexpected character in {\"value\":\"hunter2\"}"));
        assertThat(c.kind()).isEqualTo(FailureKind.UNEXPECTED);
        assertThat(c.detail()).doesNotContain("hunter2").contains("IllegalStateException");
    }

    @Test
    void retryAfterForms() {
        assertThat(ErrorClassifier.parseRetryAfter("7")).isEqualTo(Duration.ofSeconds(7));
        assertThat(ErrorClassifier.parseRetryAfter(" 0 ")).isEqualTo(Duration.ZERO);
        assertThat(ErrorClassifier.parseRetryAfter("soon")).isNull();
        assertThat(ErrorClassifier.parseRetryAfter(null)).isNull();
        String past = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().minusHours(1));
        assertThat(ErrorClassifier.parseRetryAfter(past)).isEqualTo(Duration.ZERO);
        String future = DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now().plusHours(1));
        assertThat(ErrorClassifier.parseRetryAfter(future)).isPositive();
    }

    @Test
    void clientAddresses() {
        assertThat(ErrorClassifier.clientAddress("Client address: 203.0.113.10\r\nCaller")).isEqualTo("203.0.113.10");
        assertThat(ErrorClassifier.clientAddress("Client address 2001:db8::1.")).isEqualTo("2001:db8::1");
        assertThat(ErrorClassifier.clientAddress("nothing here")).isNull();
        assertThat(ErrorClassifier.clientAddress(null)).isNull();
    }

    @Test
    void requestUrlIsAVaultUrl() {
        // sanity: the fake response's request is a secrets call
        assertThat(new FakeResponse(404, Map.of()).getRequest().getUrl().getPath()).startsWith("/secrets");
        assertThat(URI.create("https://kv.vault.azure.net").getHost()).isEqualTo("kv.vault.azure.net");
        assertThat("x".getBytes(StandardCharsets.UTF_8)).hasSize(1);
    }
}
