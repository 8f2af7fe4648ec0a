package io.kvconfig.runtime.resolve;

import io.kvconfig.runtime.vault.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * The SDK's challenge resource verification ON (the default), through the real SDK and the extension's transport:
 * the dev vault under a Key Vault host name ({@code kvtest.vault.azure.net}, resolved to loopback for this test JVM by
 * {@code -Djdk.net.hosts.file}, see the module's surefire configuration) is trusted with the token; the same dev vault
 * under {@code localhost}, whose challenge names {@code https://vault.azure.net}, never receives one.
 */
class ChallengeResourceVerificationTest {

    static final String KV_HOST = "kvtest.vault.azure.net";
    static final String VALUE = "verified-value-7f";

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().hostNames(KV_HOST).trustStoreDir(tmp.resolve("trust")).build().start();
        vault.setSecret("db-password", VALUE);
        vault.setSecret("api-key", "api-key-value-3");
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.journal().reset();
    }

    /** What the Dev Service would set, minus challenge-resource-verification=false: the default stays on. */
    static KeyVaultSettings settings(String vaultUrl) {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.kvconfig.url", vaultUrl);
        m.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        m.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        m.put("quarkus.kvconfig.tls.trust-store", vault.caCertificatePath().toString());
        m.put("quarkus.kvconfig.startup-timeout", "20S");
        KeyVaultSettings s = KeyVaultSettings.from(n -> Optional.ofNullable(m.get(n)));
        assertThat(s.challengeResourceVerification()).isTrue();
        return s;
    }

    @Test
    void aKeyVaultHostGetsTheTokenAndAnswers() {
        String url = vault.vaultUrl(KV_HOST);
        KeyVaultSettings s = settings(url);
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("db.password", "@kv:db-password");
        raw.put("api.key", "@kv:" + url + "/secrets/api-key");
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            Resolution r = new SecretResolver(clients, s, null).resolveValues(raw);
            assertThat(r.failures()).isEmpty();
            assertThat(r.values()).containsEntry("db.password", VALUE).containsEntry("api.key", "api-key-value-3");
            // a write through the same clients: the service's path
            clients.forVault(url).setSecret("written-verified", "written-value-1").block(Duration.ofSeconds(20));
        }
        assertThat(vault.secretValue("written-verified")).contains("written-value-1");
        // one challenge for the resolver's reads (SecretReader), one for the SDK client that writes
        assertThat(vault.journal().count("Challenge")).isEqualTo(2);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(2);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(1);
        // every authenticated request went to the Key Vault host with its token
        assertThat(vault.journal().count("AuthorizationHeader")).isEqualTo(3);
    }

    @Test
    void aHostOutsideTheChallengedDomainNeverReceivesTheToken() {
        // the same server as localhost: its challenge names https://vault.azure.net, which localhost is not part of
        KeyVaultSettings s = settings(vault.vaultUrl());
        Resolution r;
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            r = new SecretResolver(clients, s, null).resolveValues(Map.of("db.password", "@kv:db-password"));
            assertThatThrownBy(() -> clients.forVault(vault.vaultUrl()).setSecret("never-written", "never-value-1")
                    .block(Duration.ofSeconds(20)))
                    .hasMessageContaining("does not match the requested domain");
        }
        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.property()).isEqualTo("db.password");
            assertThat(f.kind()).isEqualTo(FailureKind.CHALLENGE_RESOURCE_MISMATCH);
            assertThat(f.message()).contains("no token was sent").contains("'https://vault.azure.net/.default'")
                    .contains("https://<name>.vault.azure.net").doesNotContain(VALUE)
                    .contains("quarkus.kvconfig.challenge-resource-verification=false");
        });
        assertThatThrownBy(r::orThrow).hasMessageContaining("db.password").hasMessageContaining("authentication failed")
                .hasMessageContaining("no token was sent");
        // the challenge round only: no request carried a token, nothing was read or written
        assertThat(vault.journal().count("Challenge")).isGreaterThanOrEqualTo(1);
        assertThat(vault.journal().count("AuthorizationHeader")).isZero();
        assertThat(vault.journal().count("GetSecret")).isZero();
        assertThat(vault.journal().count("SetSecret")).isZero();
        assertThat(vault.secretValue("never-written")).isEmpty();
    }

    @Test
    void verificationLeftOnAgainstALocalVaultSaysWhatToSetOnce() {
        KeyVaultSettings s = settings(vault.vaultUrl());
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("db.password", "@kv:db-password");
        raw.put("api.key", "@kv:api-key");
        Resolution r;
        String log;
        try (LogCapture capture = new LogCapture(); KeyVaultClients clients = new KeyVaultClients(s)) {
            r = new SecretResolver(clients, s, null).resolveValues(raw);
            log = capture.text();
        }
        assertThat(r.failures()).hasSize(2)
                .allSatisfy(f -> assertThat(f.kind()).isEqualTo(FailureKind.CHALLENGE_RESOURCE_MISMATCH));
        String report = r.failureReport();
        assertThat(report).contains("db.password").contains("api.key")
                .contains("the vault's challenge names a resource that does not match its host")
                .doesNotContain("unexpected").doesNotContain("RuntimeException").doesNotContain(VALUE);
        // the reason and the setting for a local test vault, once for both references
        assertThat(report.split("challenge-resource-verification=false", -1)).hasSize(2);
        // the first request's challenge was refused; the other reference was not sent
        assertThat(r.stats().requestsSent()).isEqualTo(1);
        assertThat(vault.journal().count("AuthorizationHeader")).isZero();
        // that report is the one message: nothing logged at WARN or above, no value
        assertThat(log.lines().filter(l -> l.matches("^(ERROR|SEVERE|FATAL|WARN|WARNING) .*"))).isEmpty();
        assertThat(log).doesNotContain(VALUE);
    }

    @Test
    void aForeignReferenceBesideAKeyVaultDefaultIsRefusedAlone() {
        KeyVaultSettings s = settings(vault.vaultUrl(KV_HOST));
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("good", "@kv:db-password");
        raw.put("foreign", "@kv:" + vault.vaultUrl() + "/secrets/api-key");
        Resolution r;
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            r = new SecretResolver(clients, s, null).resolveValues(raw);
        }
        assertThat(r.values()).containsOnlyKeys("good");
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.property()).isEqualTo("foreign");
            assertThat(f.kind()).isEqualTo(FailureKind.CHALLENGE_RESOURCE_MISMATCH);
        });
        // one token went out: to the Key Vault host, for the one secret it served
        assertThat(vault.journal().count("AuthorizationHeader")).isEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
    }
}
