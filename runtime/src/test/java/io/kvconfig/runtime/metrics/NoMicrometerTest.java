package io.kvconfig.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * The runtime's tests run without Micrometer on the class path (see the surefire configuration), as an application
 * without it does: the resolver still works, and the counters the meter binder would expose are kept in plain JDK
 * types (challenge, token, reads, a 429 counted as throttled and retried).
 */
class NoMicrometerTest {

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).build().start();
        vault.setSecret("m-one", "metric-value-1");
        vault.setSecret("m-two", "metric-value-2");
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @Test
    void micrometerIsNotOnTheClassPath() {
        assertThatThrownBy(() -> Class.forName("io.micrometer.core.instrument.MeterRegistry"))
                .isInstanceOf(ClassNotFoundException.class);
        assertThatThrownBy(() -> Class.forName("io.kvconfig.runtime.metrics.KvConfigMeterBinder"))
                .isInstanceOf(NoClassDefFoundError.class);
    }

    @Test
    void requestsAreCountedByOperationAndOutcome() {
        Map<String, String> cfg = new LinkedHashMap<>();
        cfg.put("quarkus.kvconfig.url", vault.vaultUrl());
        cfg.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        cfg.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        cfg.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        cfg.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        cfg.put("quarkus.kvconfig.challenge-resource-verification", "false");
        cfg.put("quarkus.kvconfig.startup-timeout", "20S");
        KeyVaultSettings s = KeyVaultSettings.from(n -> Optional.ofNullable(cfg.get(n)));

        // counters are per process: compare before and after
        long challenges = count("operation", "challenge", "outcome", "success");
        long tokens = count("operation", "token", "outcome", "success");
        long gets = count("operation", "get-secret", "outcome", "success");
        long throttled = count("operation", "get-secret", "outcome", "throttled");
        long notFound = count("operation", "get-secret", "outcome", "404");
        long retries = KvConfigMetrics.count(KvConfigMetrics.RETRIES, "operation", "get-secret", "reason", "throttled");

        vault.faults().throttleNext(1, 1);
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("a", "@kv:m-one");
        raw.put("b", "@kv:m-two");
        raw.put("c", "@kv?:m-missing");
        Resolution r;
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            r = new SecretResolver(clients, s, null).resolveValues(raw);
        }
        assertThat(r.failures()).isEmpty();
        assertThat(r.values()).containsOnlyKeys("a", "b");

        assertThat(count("operation", "challenge", "outcome", "success") - challenges).isEqualTo(vault.journal().count("Challenge"))
                .isEqualTo(1);
        assertThat(count("operation", "token", "outcome", "success") - tokens).isEqualTo(1);
        // three secrets read once each, plus one 429 retried
        assertThat(count("operation", "get-secret", "outcome", "success") - gets).isEqualTo(2);
        assertThat(count("operation", "get-secret", "outcome", "404") - notFound).isEqualTo(1);
        assertThat(count("operation", "get-secret", "outcome", "throttled") - throttled).isEqualTo(1);
        assertThat(KvConfigMetrics.count(KvConfigMetrics.RETRIES, "operation", "get-secret", "reason", "throttled") - retries)
                .isEqualTo(1);
    }

    @Test
    void allowlistingRunsAreCountedByResult() {
        long added = KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "added");
        long present = KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "already-present");
        long notNeeded = KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "not-needed");
        long failed = KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "failed");
        Optional<AllowlistResult> before = KvConfigRuntime.lastAllowlisting();
        try {
            Instant now = Instant.now();
            KvConfigRuntime.recordAllowlisting(new AllowlistResult("kv", "203.0.113.7", true, false, true, now, "added", null));
            KvConfigRuntime.recordAllowlisting(new AllowlistResult("kv", "203.0.113.7", false, true, false, now, "present", null));
            KvConfigRuntime.recordAllowlisting(new AllowlistResult("kv", "203.0.113.7", false, true, false, now, "present", null));
            KvConfigRuntime.recordAllowlisting(new AllowlistResult("kv", "203.0.113.7", false, false, false, now, "public", null));
            KvConfigRuntime.recordAllowlisting(new AllowlistResult("kv", null, false, false, false, now, "failed", "no IP"));
            KvConfigRuntime.recordAllowlisting(null); // a reset is not a run
        } finally {
            KvConfigRuntime.recordAllowlisting(before.orElse(null));
        }
        assertThat(KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "added") - added).isEqualTo(1);
        assertThat(KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "already-present") - present).isEqualTo(2);
        assertThat(KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "not-needed") - notNeeded).isEqualTo(1);
        assertThat(KvConfigMetrics.count(KvConfigMetrics.ALLOWLISTING, "result", "failed") - failed).isEqualTo(1);
    }

    private static long count(String... tags) {
        return KvConfigMetrics.count(KvConfigMetrics.REQUESTS, tags);
    }
}
