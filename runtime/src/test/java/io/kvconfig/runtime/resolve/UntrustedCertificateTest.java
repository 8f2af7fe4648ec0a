package io.kvconfig.runtime.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * The dev vault's own TLS certificate, NOT trusted (no {@code quarkus.kvconfig.tls.trust-store}): a trust failure is
 * not transient. Through the real SDK and the extension's transport: ONE attempt per secret (no retries), the failure
 * says the certificate is not trusted and names the trust-store property, and the log holds that one message.
 */
class UntrustedCertificateTest {

    static final String VALUE = "untrusted-value-5c";

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).build().start();
        vault.setSecret("db-password", VALUE);
        vault.setSecret("api-key", VALUE + "-2");
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @Test
    void failsAtOnceNamingTheTrustStore() {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.kvconfig.url", vault.vaultUrl());
        m.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        m.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        m.put("quarkus.kvconfig.challenge-resource-verification", "false");
        KeyVaultSettings s = KeyVaultSettings.from(n -> Optional.ofNullable(m.get(n)));
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("db.password", "@kv:db-password");
        raw.put("api.key", "@kv:api-key");
        Resolution r;
        String log;
        try (LogCapture capture = new LogCapture(); KeyVaultClients clients = new KeyVaultClients(s)) {
            r = new SecretResolver(clients, s, null).resolveValues(raw);
            log = capture.text();
        }
        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).hasSize(2).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.TLS_UNTRUSTED);
            assertThat(f.message()).contains("quarkus.kvconfig.tls.trust-store").doesNotContain(VALUE);
        });
        // not transient: ONE attempt for the vault's first secret, none for the other, no retries
        assertThat(r.stats().requestsSent()).isEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isZero();
        String report = r.failureReport();
        assertThat(report).contains("the vault's certificate is not trusted").contains("db.password").contains("api.key")
                .doesNotContain("unreachable").doesNotContain(VALUE);
        // the reason and the setting are said once, for both references
        assertThat(report.split("quarkus\\.kvconfig\\.tls\\.trust-store", -1)).hasSize(2);
        // that report is the one message: nothing at WARN or above (the SDK's "Retry attempts have been exhausted"
        // ERROR with its stack trace included), no value anywhere
        assertThat(log.lines().filter(l -> l.matches("^(ERROR|SEVERE|FATAL|WARN|WARNING) .*"))).isEmpty();
        assertThat(log).doesNotContain("Retry attempts have been exhausted").doesNotContain(VALUE);
    }
}
