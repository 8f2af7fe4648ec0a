package io.kvconfig.runtime.resolve;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.devvault.Journal;
import io.kvconfig.runtime.vault.FailureKind;

/**
 * The resolver's throttle handling against the dev vault (real SDK, HTTPS, HTTP/2), counted on the vault's journal:
 * the first fan-out and its widening, the one wait per vault after a 429, and the vault's service limit (one budget
 * per window for every client, 429 with Retry-After beyond it).
 */
class SecretResolverThrottleTest {

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void startVault() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust"))
                .ruleDelay(Duration.ZERO).build().start();
        for (int i = 0; i < 100; i++) {
            SecretResolverDevVaultTest.seed(vault, "th-" + i, "throttle-value-" + i + "-q");
        }
    }

    @AfterAll
    static void stopVault() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.faults().clear();
        vault.journal().reset();
    }

    @AfterEach
    void stopLimits() {
        vault.faults().stopEnforcingServiceLimits();
        vault.faults().clear();
    }

    static Map<String, String> refs(int n) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            raw.put("app.th." + i, "@kv:th-" + i);
        }
        return raw;
    }

    static void assertAllValues(Resolution r, int n) {
        assertThat(r.failures()).as(r.failureReport()).isEmpty();
        assertThat(r.values()).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(r.values()).containsEntry("app.th." + i, "throttle-value-" + i + "-q");
        }
    }

    static List<Journal.Entry> gets() {
        return vault.journal().entries().stream().filter(e -> "GetSecret".equals(e.operation())).toList();
    }

    @Test
    void underTheLimitOneGetPerSecretAndTheFirstFanOutWidensEachRoundTrip() {
        // a latency long enough that each round's requests are in flight together at the vault
        vault.faults().latency(Duration.ofMillis(300));
        Resolution r = SecretResolverDevVaultTest.resolve(SecretResolverDevVaultTest.config(vault), refs(60), null);

        assertAllValues(r, 60);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(60);
        assertThat(vault.journal().count("Throttled")).isZero();
        assertThat(r.stats().requestsSent()).isEqualTo(60);
        // initial-parallelism 10, then one more per round trip: 10, 11, 12, 13, 14 for 60 secrets; never all at once
        assertThat(vault.journal().maxInFlight()).isBetween(11, 20);
    }

    @Test
    void withTheFirstFanOutAtParallelismTheBatchIsOneRoundTrip() {
        vault.faults().latency(Duration.ofSeconds(2));
        Map<String, String> cfg = SecretResolverDevVaultTest.config(vault);
        cfg.put("quarkus.kvconfig.initial-parallelism", "100");
        Resolution r = SecretResolverDevVaultTest.resolve(cfg, refs(100), null);

        assertAllValues(r, 100);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(100);
        assertThat(r.stats().requestsSent()).isEqualTo(100);
        assertThat(vault.journal().maxInFlight()).isEqualTo(100);
    }

    @Test
    void overTheServiceLimitTheRefusalsComeInOneRoundAndEveryValueResolves() {
        int limit = 20;
        int n = 40;
        vault.faults().latency(Duration.ofMillis(20));
        vault.faults().enforceServiceLimits(limit, Duration.ofSeconds(2));
        Resolution r = SecretResolverDevVaultTest.resolve(SecretResolverDevVaultTest.config(vault), refs(n), null);

        assertAllValues(r, n);
        long refused = vault.journal().count("ServiceLimitReached");
        List<Journal.Entry> gets = gets();
        assertThat(refused).as(gets.toString()).isPositive();
        // requests sent == secrets + refused: every refused request once more, nothing else
        assertThat(vault.journal().count("GetSecret")).isEqualTo(n + refused);
        assertThat(r.stats().requestsSent()).isEqualTo(n + refused);

        // counted, not timed: the window grows by one per window's worth of 200s (10, then 11 after ten answers), so
        // when the vault's budget of 20 runs out at most 11 requests are in flight and refused together; the door then
        // stays closed for the Retry-After and lets one request at a time through, so a later round refuses at most one.
        // The whole batch at once would have 20 refused; a retry per request on its own clock, more rounds of them
        assertThat(refused).as(gets.toString()).isLessThanOrEqualTo(11 + 1);
        assertThat(refused).isLessThanOrEqualTo(n - limit);
    }

    @Test
    void aRetryAfterBeyondTheDeadlineKeepsTheOtherRequestsUnsentAndNamesIt() {
        vault.faults().throttleNext(1, 60);
        Map<String, String> cfg = SecretResolverDevVaultTest.config(vault);
        cfg.put("quarkus.kvconfig.startup-timeout", "5S");
        // one at a time: the first request is the one refused, the others have not been sent yet
        cfg.put("quarkus.kvconfig.parallelism", "1");
        Resolution r = SecretResolverDevVaultTest.resolve(cfg, refs(4), null);

        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).hasSize(4).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.THROTTLED);
            assertThat(f.message()).contains("HTTP 429", "startup timeout of 5s", "Retry-After 60s");
        });
        assertThat(r.failures()).filteredOn(f -> f.message().contains("before the request was sent")).hasSize(3);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        assertThat(r.stats().requestsSent()).isEqualTo(1);
    }
}
