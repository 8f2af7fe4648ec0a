package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;

import io.kvconfig.devvault.DevVault;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@link SecretReader}'s own rules: the challenge parser and the resource check (pure), the secret body parser, and,
 * against the dev vault, how often it asks for a challenge and a token (counted, not timed).
 */
class SecretReaderTest {

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void startVault() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).build().start();
        vault.setSecret("reader-one", "reader-value-1");
    }

    @AfterAll
    static void stopVault() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.journal().reset();
    }

    static BufferedVertxHttpClient.Buffered unauthorized(String wwwAuthenticate) {
        HttpHeaders headers = new HttpHeaders();
        if (wwwAuthenticate != null) {
            headers.set(HttpHeaderName.WWW_AUTHENTICATE, wwwAuthenticate);
        }
        return new BufferedVertxHttpClient.Buffered(new HttpRequest(HttpMethod.GET, "https://kv.vault.azure.net/secrets/x/"),
                401, headers, new byte[0]);
    }

    @Test
    void challengeWithResourceOrScope() {
        assertThat(SecretReader.parseChallenge(unauthorized(
                "Bearer authorization=\"https://login.microsoftonline.com/72f988bf-tenant\", resource=\"https://vault.azure.net\"")))
                .isEqualTo(new SecretReader.Challenge("https://vault.azure.net/.default", "72f988bf-tenant"));
        assertThat(SecretReader.parseChallenge(unauthorized(
                "Bearer authorization_uri=\"https://login.windows.net/t-2/oauth2\", scope=\"https://vault.azure.cn/.default\"")))
                .isEqualTo(new SecretReader.Challenge("https://vault.azure.cn/.default", "t-2"));
        // resource wins over scope, as in the SDK's policy; another scheme first is skipped
        assertThat(SecretReader.parseChallenge(unauthorized("PoP nonce=\"n\", Bearer authorization=\"https://login/t3\","
                + " resource=\"https://vault.usgovcloudapi.net\", scope=\"https://other/.default\"")))
                .isEqualTo(new SecretReader.Challenge("https://vault.usgovcloudapi.net/.default", "t3"));
        // an authority without a tenant segment: no tenant
        assertThat(SecretReader.parseChallenge(unauthorized("Bearer authorization=\"https://login\", resource=\"https://vault.azure.net\"")))
                .isEqualTo(new SecretReader.Challenge("https://vault.azure.net/.default", null));
    }

    @Test
    void noChallengeToAnswer() {
        assertThat(SecretReader.parseChallenge(unauthorized(null))).isNull();
        assertThat(SecretReader.parseChallenge(unauthorized("Basic realm=\"vault\""))).isNull();
        assertThat(SecretReader.parseChallenge(unauthorized("Bearer authorization=\"https://login/t\""))).isNull();
        assertThatThrownBy(() -> SecretReader.parseChallenge(unauthorized("Bearer resource=\"https://vault.azure.net\"")))
                .hasMessage("The challenge authorization URI 'null' is invalid.");
        assertThatThrownBy(() -> SecretReader.parseChallenge(unauthorized(
                "Bearer authorization=\"https://lo gin/t\", resource=\"https://vault.azure.net\"")))
                .hasMessage("The challenge authorization URI 'https://lo gin/t' is invalid.");
    }

    @Test
    void theVaultHostMustBeInTheChallengedDomain() {
        String scope = "https://vault.azure.net/.default";
        assertThat(SecretReader.resourceMatches("https://my-vault.vault.azure.net/secrets/a/", scope)).isTrue();
        assertThat(SecretReader.resourceMatches("https://MY-VAULT.Vault.Azure.NET:443/secrets/a/", scope)).isTrue();
        assertThat(SecretReader.resourceMatches("https://vault.azure.net/secrets/a/", scope)).isFalse();
        assertThat(SecretReader.resourceMatches("https://localhost:8443/secrets/a/", scope)).isFalse();
        assertThat(SecretReader.resourceMatches("https://my-vault.vault.azure.net.attacker.example/secrets/a/", scope)).isFalse();
        assertThat(SecretReader.resourceMatches("https://evilvault.azure.net/secrets/a/", scope)).isFalse();
        assertThat(SecretReader.resourceMatches("https://kv.vault.azure.cn/secrets/a/", "https://vault.azure.cn/.default")).isTrue();
        assertThatThrownBy(() -> SecretReader.resourceMatches("https://kv.vault.azure.net/", "https://va ult/.default"))
                .hasMessage("The challenge resource 'https://va ult/.default' is not a valid URI.");
    }

    @Test
    void secretBodies() {
        assertThat(SecretReader.parseSecret("{\"value\":\"v\",\"id\":\"https://kv.vault.azure.net/secrets/n/abc123\"}"))
                .isEqualTo(new SecretReader.Secret("v", "abc123"));
        assertThat(SecretReader.parseSecret("{\"id\":\"https://kv.vault.azure.net/secrets/n/abc123/\",\"value\":\"\"}"))
                .isEqualTo(new SecretReader.Secret("", "abc123"));
        assertThat(SecretReader.parseSecret("{\"value\":\"v\",\"id\":\"https://kv.vault.azure.net/secrets/n\"}"))
                .isEqualTo(new SecretReader.Secret("v", null));
        assertThat(SecretReader.parseSecret("{\"value\":\"v\"}")).isEqualTo(new SecretReader.Secret("v", null));
        assertThat(SecretReader.parseSecret("{\"value\":42}")).isEqualTo(new SecretReader.Secret(null, null));
        assertThat(SecretReader.parseSecret("[\"value\"]")).isEqualTo(new SecretReader.Secret(null, null));
        assertThat(SecretReader.parseSecret("not json")).isEqualTo(new SecretReader.Secret(null, null));
        assertThat(SecretReader.parseSecret("")).isEqualTo(new SecretReader.Secret(null, null));
        // the value never shows in toString
        assertThat(new SecretReader.Secret("reader-value-1", "v1").toString()).doesNotContain("reader-value-1").contains("v1");
    }

    /** The dev vault's own credential, counting the tokens asked for, each valid for {@code validFor}. */
    static final class CountingCredential implements TokenCredential {
        final AtomicInteger asked = new AtomicInteger();
        final List<TokenRequestContext> requests = new ArrayList<>();
        final Duration validFor;
        final boolean valid;

        CountingCredential(Duration validFor, boolean valid) {
            this.validFor = validFor;
            this.valid = valid;
        }

        @Override
        public Mono<AccessToken> getToken(TokenRequestContext request) {
            return Mono.fromSupplier(() -> {
                asked.incrementAndGet();
                synchronized (requests) {
                    requests.add(request);
                }
                String token = vault.issueToken("https://vault.azure.net", valid ? Duration.ofHours(1) : Duration.ofSeconds(-60));
                return new AccessToken(token, OffsetDateTime.now().plus(validFor));
            });
        }
    }

    static SecretReader reader(KeyVaultClients clients, TokenCredential credential) {
        return new SecretReader(vault.vaultUrl(), clients.httpClient(), credential, false, new CompletableFuture<>());
    }

    static KeyVaultClients clients() {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.kvconfig.url", vault.vaultUrl());
        m.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        m.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        m.put("quarkus.kvconfig.challenge-resource-verification", "false");
        return new KeyVaultClients(KeyVaultSettings.from(n -> Optional.ofNullable(m.get(n))));
    }

    @Test
    void oneChallengeAndOneTokenForManyReads() {
        CountingCredential credential = new CountingCredential(Duration.ofHours(1), true);
        try (KeyVaultClients clients = clients()) {
            SecretReader reader = reader(clients, credential);
            assertThat(reader.get("reader-one", null).block(Duration.ofSeconds(30)).value()).isEqualTo("reader-value-1");
            // concurrent reads once the challenge is known: the kept token, no further challenge
            List<SecretReader.Secret> all = Flux.range(0, 20).flatMap(i -> reader.get("reader-one", null), 20)
                    .collectList().block(Duration.ofSeconds(30));
            assertThat(all).hasSize(20).allSatisfy(s -> assertThat(s.value()).isEqualTo("reader-value-1"));
        }
        assertThat(credential.asked).hasValue(1);
        assertThat(credential.requests.get(0).getScopes()).containsExactly("https://vault.azure.net/.default");
        assertThat(credential.requests.get(0).getTenantId()).isEqualTo(vault.tenantId());
        assertThat(credential.requests.get(0).isCaeEnabled()).isTrue();
        assertThat(vault.journal().count("Challenge")).isEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(21);
    }

    @Test
    void concurrentFirstReadsShareOneTokenRequest() {
        CountingCredential credential = new CountingCredential(Duration.ofHours(1), true);
        try (KeyVaultClients clients = clients()) {
            SecretReader reader = reader(clients, credential);
            // nothing known yet: each read meets the challenge, and they all wait for one token
            List<SecretReader.Secret> all = Flux.range(0, 10).flatMap(i -> reader.get("reader-one", null), 10)
                    .collectList().block(Duration.ofSeconds(30));
            assertThat(all).hasSize(10);
        }
        assertThat(credential.asked).hasValue(1);
        assertThat(vault.journal().count("Challenge")).isEqualTo(10);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(10);
    }

    @Test
    void aTokenAboutToExpireIsReplacedBeforeUse() {
        // valid for one more minute: inside the margin, so every read asks for a new one
        CountingCredential credential = new CountingCredential(SecretReader.TOKEN_MARGIN.minusMinutes(1), true);
        try (KeyVaultClients clients = clients()) {
            SecretReader reader = reader(clients, credential);
            for (int i = 0; i < 3; i++) {
                reader.get("reader-one", null).block(Duration.ofSeconds(30));
            }
        }
        assertThat(credential.asked).hasValue(3);
        assertThat(vault.journal().count("Challenge")).isEqualTo(1);
    }

    @Test
    void aRefusedTokenOnAKnownChallengeIsReplacedOnceThenFails() throws InterruptedException {
        AtomicInteger asked = new AtomicInteger();
        // the first token expires at the vault after one second (the reader believes it good for an hour); the
        // replacement is already expired there
        TokenCredential credential = request -> Mono.fromSupplier(() -> new AccessToken(
                vault.issueToken("https://vault.azure.net", asked.getAndIncrement() == 0 ? Duration.ofSeconds(1)
                        : Duration.ofSeconds(-60)), OffsetDateTime.now().plusHours(1)));
        try (KeyVaultClients clients = clients()) {
            SecretReader reader = reader(clients, credential);
            assertThat(reader.get("reader-one", null).block(Duration.ofSeconds(30)).value()).isEqualTo("reader-value-1");
            // waits for the token's expiry at the vault (not a timing assertion)
            Thread.sleep(2_100);
            vault.journal().reset();
            assertThatThrownBy(() -> reader.get("reader-one", null).block(Duration.ofSeconds(30)))
                    .isInstanceOf(ClientAuthenticationException.class).hasMessageContaining("Status code 401");
        }
        // the kept token refused, ONE new token asked for, refused too: then the failure, no loop
        assertThat(asked).hasValue(2);
        assertThat(vault.journal().entries().stream().filter(e -> e.status() == 401).count()).isEqualTo(2);
        // both carried a token (the vault answers a refused token with its challenge, journaled as such)
        assertThat(vault.journal().count("AuthorizationHeader")).isEqualTo(2);
        assertThat(vault.journal().count("GetSecret")).isZero();
    }
}
