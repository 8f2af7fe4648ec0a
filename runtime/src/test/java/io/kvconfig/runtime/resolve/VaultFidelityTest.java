package io.kvconfig.runtime.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * Behaviours of real Key Vault that the dev vault shows on request, through the real SDK and the extension's
 * transport: an authorization 403 that is not the firewall, a 429 without Retry-After, and an idle HTTP/2 connection
 * dropped by the server. Work is counted on the dev vault's journal, never timed.
 */
class VaultFidelityTest {

    static final String VALUE = "fidelity-value-8e";
    static final String OTHER = "fidelity-other-31";

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).build().start();
        vault.setSecret("fid-secret", VALUE);
        vault.setSecret("fid-other", OTHER);
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    @AfterEach
    void reset() {
        vault.faults().clear();
        vault.secretAccess().allowAll().accessPolicies(false);
        vault.journal().reset();
    }

    /** Counts the firewall hook's calls: an authorization 403 must not trigger allowlisting. */
    static final class CountingHook implements FirewallHook {
        final AtomicInteger before = new AtomicInteger();
        final AtomicInteger forbidden = new AtomicInteger();

        @Override
        public void beforeResolve() {
            before.incrementAndGet();
        }

        @Override
        public boolean onForbiddenByConnection(String vaultUrl) {
            forbidden.incrementAndGet();
            return true;
        }
    }

    static Map<String, String> refs() {
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("app.secret", "@kv:fid-secret");
        raw.put("app.other", "@kv:fid-other");
        return raw;
    }

    @Test
    void rbacDenialIsAccessDeniedNamingTheRoleAndNeverAllowlists() {
        vault.secretAccess().denyReads(true);
        CountingHook hook = new CountingHook();
        Resolution r;
        try (LogCapture capture = new LogCapture()) {
            r = SecretResolverDevVaultTest.resolve(SecretResolverDevVaultTest.config(vault), refs(), hook);
            assertThat(capture.text()).doesNotContain(VALUE).doesNotContain(OTHER);
        }
        assertThat(r.failures()).hasSize(2).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
            assertThat(f.message()).contains("'Key Vault Secrets User' role").contains("Azure RBAC")
                    .contains("ForbiddenByRbac").doesNotContain("firewall");
        });
        assertThat(r.failureReport()).contains("access denied").contains("Key Vault Secrets User")
                .doesNotContain("blocked by the vault firewall");
        // allowlisting ran its usual pass before resolving, and was NOT asked again for the 403
        assertThat(hook.before).hasValue(1);
        assertThat(hook.forbidden).hasValue(0);
        // both secrets were asked once each: an authorization refusal is per secret, not retried
        assertThat(vault.journal().count("GetSecret")).isEqualTo(2);
        assertThat(vault.journal().count("ForbiddenByRbac")).isEqualTo(2);
    }

    @Test
    void accessPolicyDenialNamesThePermission() {
        vault.secretAccess().accessPolicies(true).denySecret("fid-other");
        Resolution r = SecretResolverDevVaultTest.resolve(SecretResolverDevVaultTest.config(vault), refs(), null);
        assertThat(r.values()).containsOnlyKeys("app.secret");
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.property()).isEqualTo("app.other");
            assertThat(f.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
            assertThat(f.message()).contains("access policies").contains("permission 'get'").contains("AccessDenied")
                    .doesNotContain(OTHER);
        });
    }

    @Test
    void throttlingWithoutRetryAfterIsRetriedOnTheResolversOwnBackoff() {
        // two 429s without Retry-After, then the answer: retried on the throttling backoff, within the deadline
        vault.faults().throttleNextWithoutRetryAfter(2);
        Map<String, String> one = Map.of("app.secret", "@kv:fid-secret");
        Resolution r = SecretResolverDevVaultTest.resolve(SecretResolverDevVaultTest.config(vault), one, null);
        assertThat(r.failures()).as(r.failureReport()).isEmpty();
        assertThat(r.values()).containsEntry("app.secret", VALUE);
        assertThat(vault.journal().count("GetSecret")).as(vault.journal().counts().toString()).isEqualTo(3);
        assertThat(r.stats().requestsSent()).isEqualTo(3);
    }

    @Test
    void throttlingWithoutRetryAfterBacksOffFromOneSecondNotFromTheTransientStep() {
        // always throttled, no Retry-After, 2 s deadline: the throttling backoff (1 s, then 2 s, +-20%) sends 2
        // requests and the deadline falls inside the second wait, never during an attempt (3 s could end an attempt in
        // flight on a loaded machine: TIMED_OUT); the transient backoff (200 ms doubling) would send 4, a retry
        // without waiting dozens
        vault.faults().throttleNextWithoutRetryAfter(1_000);
        Map<String, String> config = SecretResolverDevVaultTest.config(vault);
        config.put("quarkus.kvconfig.startup-timeout", "2S");
        Resolution r = SecretResolverDevVaultTest.resolve(config, Map.of("app.secret", "@kv:fid-secret"), null);
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.THROTTLED);
            assertThat(f.message()).contains("startup timeout").doesNotContain("Retry-After");
        });
        assertThat(vault.journal().count("GetSecret")).as(vault.journal().counts().toString()).isBetween(2L, 3L);
    }

    @Test
    void aDroppedIdleConnectionIsReplacedOnTheNextCall() {
        for (boolean goAway : new boolean[] { false, true }) {
            vault.journal().reset();
            KeyVaultSettings s = SecretResolverDevVaultTest.settings(SecretResolverDevVaultTest.config(vault));
            try (KeyVaultClients clients = new KeyVaultClients(s)) {
                SecretResolver resolver = new SecretResolver(clients, s, null);
                assertThat(resolver.resolveValues(Map.of("app.secret", "@kv:fid-secret")).values())
                        .containsEntry("app.secret", VALUE);
                assertThat(vault.journal().connections()).isEqualTo(1);
                assertThat(vault.journal().http2Requests()).as("the pooled connection is HTTP/2").isPositive();
                // the front end drops the idle pooled connection without a request in flight
                assertThat(vault.faults().closeIdleConnections(goAway)).as("goAway=" + goAway).isEqualTo(1);
                vault.journal().reset();
                // the process-wide clients' next call (the service's, or a late reference) opens a new connection
                Resolution again;
                String log;
                try (LogCapture capture = new LogCapture()) {
                    again = resolver.resolveValues(Map.of("app.other", "@kv:fid-other"));
                    log = capture.text();
                }
                assertThat(again.failures()).as("goAway=" + goAway + ": " + again.failureReport()).isEmpty();
                assertThat(again.values()).containsEntry("app.other", OTHER);
                // recovered inside the call: the resolver sent it once (no attempt hung or failed and was retried)
                assertThat(again.stats().requestsSent()).as("goAway=" + goAway + "\n" + log.lines()
                        .filter(l -> l.contains("io.kvconfig")).toList()).isEqualTo(1);
                assertThat(vault.journal().connections()).as("goAway=" + goAway).isEqualTo(1);
                assertThat(vault.journal().count("GetSecret")).as("goAway=" + goAway + ": " + vault.journal().entries())
                        .isEqualTo(1);
                // and it is pooled: a third call reuses it
                assertThat(clients.forVault(vault.vaultUrl()).getSecret("fid-secret").block(Duration.ofSeconds(20))
                        .getValue()).isEqualTo(VALUE);
                assertThat(vault.journal().connections()).isEqualTo(1);
            }
        }
    }
}
