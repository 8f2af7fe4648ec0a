package io.kvconfig.runtime.resolve;

import io.kvconfig.runtime.vault.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * The resolver against the in-process dev vault: real SDK, real HTTPS, real DefaultAzureCredential through the
 * dev vault's token endpoint. Requests are counted on the dev vault's journal; no timing assertions.
 */
class SecretResolverDevVaultTest {

    @TempDir
    static Path tmp;
    static DevVault vault;
    /** Every value seeded in a test; none may appear in a message or the captured output. */
    static final List<String> SECRET_VALUES = new ArrayList<>();
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
        vault.journal().reset();
        capture = new LogCapture();
    }

    @AfterEach
    void noValueInOutput() {
        capture.close();
        String out = capture.text();
        for (String v : SECRET_VALUES) {
            assertThat(out).as("captured log/output").doesNotContain(v);
        }
    }

    static String seed(DevVault v, String name, String value) {
        SECRET_VALUES.add(value);
        return v.setSecret(name, value);
    }

    static Map<String, String> config(DevVault v) {
        Map<String, String> m = new HashMap<>();
        m.put("quarkus.kvconfig.url", v.vaultUrl() + "/");
        m.put("quarkus.kvconfig.credential.identity-endpoint", v.identityEndpoint());
        m.put("quarkus.kvconfig.credential.identity-header", v.identityHeader());
        m.put("quarkus.kvconfig.tls.trust-store", v.trustStorePath().toString());
        m.put("quarkus.kvconfig.tls.trust-store-password", v.trustStorePassword());
        m.put("quarkus.kvconfig.challenge-resource-verification", "false");
        m.put("quarkus.kvconfig.startup-timeout", "20S");
        return m;
    }

    static KeyVaultSettings settings(Map<String, String> config) {
        return KeyVaultSettings.from(n -> Optional.ofNullable(config.get(n)));
    }

    static Resolution resolve(Map<String, String> config, Map<String, String> raw, FirewallHook hook) {
        KeyVaultSettings s = settings(config);
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            return new SecretResolver(clients, s, hook).resolveValues(raw);
        }
    }

    static Resolution resolve(Map<String, String> raw) {
        return resolve(config(vault), raw, null);
    }

    static void assertNoValues(String text) {
        for (String v : SECRET_VALUES) {
            assertThat(text).doesNotContain(v);
        }
    }

    @Test
    void everyReferenceForm() {
        String v1 = seed(vault, "db-password", "pw-old-\u03a9");
        seed(vault, "db-password", "pw new ' \" $x \\ \n end ");
        seed(vault, "api-key", "api-value-42");
        String url = vault.vaultUrl();
        Map<String, String> raw = new LinkedHashMap<>();
        raw.put("latest", "@kv:db-password");
        raw.put("pinned", "@kv:db-password/" + v1);
        raw.put("uri", "@kv:" + url + "/secrets/api-key");
        raw.put("uri.pinned", "@kv:" + url + "/secrets/db-password/" + v1);
        raw.put("uri.slash", "@kv:" + url + "/secrets/api-key/");
        raw.put("optional.present", "@kv?:api-key");
        raw.put("optional.missing", "@kv?:does-not-exist");
        raw.put("spaced", "  @kv:API-KEY \r");
        raw.put("plain", "not a reference");

        Resolution r = resolve(raw);

        assertThat(r.failures()).isEmpty();
        assertThat(r.values()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "latest", "pw new ' \" $x \\ \n end ",
                "pinned", "pw-old-\u03a9",
                "uri", "api-value-42",
                "uri.pinned", "pw-old-\u03a9",
                "uri.slash", "api-value-42",
                "optional.present", "api-value-42",
                "spaced", "api-value-42"));
        assertThat(r.skipped()).singleElement().satisfies(s -> {
            assertThat(s.property()).isEqualTo("optional.missing");
            assertThat(s.kind()).isEqualTo(FailureKind.NOT_FOUND);
        });
        // api-key (4 spellings), db-password latest, db-password pinned, does-not-exist
        assertThat(r.stats().references()).isEqualTo(8);
        assertThat(r.stats().distinctSecrets()).isEqualTo(4);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(4);
        assertThat(r.stats().requestsSent()).isEqualTo(4);
        assertNoValues(r.toString());
        // the capture sees our log (so the no-value check after each test is not vacuous)
        assertThat(capture.text()).contains("Resolved 8 Key Vault references (4 secrets, 4 requests)")
                .contains("optional.missing");
    }

    @Test
    void hundredReferencesToTenSecretsCostTenGetsOneTokenOneChallenge() {
        // a fresh vault: its challenge and token are not cached by any earlier client
        try (DevVault fresh = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("fresh")).build().start()) {
            for (int i = 0; i < 10; i++) {
                seed(fresh, "secret-" + i, "value-" + i + "-x7");
            }
            Map<String, String> raw = new LinkedHashMap<>();
            for (int i = 0; i < 100; i++) {
                raw.put("prop." + i, "@kv:secret-" + (i % 10));
            }
            Map<String, String> cfg = config(fresh);
            cfg.put("quarkus.kvconfig.parallelism", "8");
            Resolution r = resolve(cfg, raw, null);

            assertThat(r.failures()).isEmpty();
            assertThat(r.values()).hasSize(100);
            for (int i = 0; i < 100; i++) {
                assertThat(r.values().get("prop." + i)).isEqualTo("value-" + (i % 10) + "-x7");
            }
            assertThat(fresh.journal().count("GetSecret")).isEqualTo(10);
            assertThat(fresh.journal().count("Token")).isEqualTo(1);
            assertThat(fresh.journal().count("Challenge")).isEqualTo(1);
            assertThat(r.stats()).satisfies(s -> {
                assertThat(s.references()).isEqualTo(100);
                assertThat(s.distinctSecrets()).isEqualTo(10);
                assertThat(s.requestsSent()).isEqualTo(10);
            });
        }
    }

    @Test
    void throttlingBurstHonoursRetryAfterAndRecovers() {
        for (int i = 0; i < 6; i++) {
            seed(vault, "t-" + i, "throttled-value-" + i);
        }
        vault.faults().throttleNext(5, 1);
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i < 6; i++) {
            raw.put("t." + i, "@kv:t-" + i);
        }
        Resolution r = resolve(raw);
        assertThat(r.failures()).isEmpty();
        assertThat(r.values()).hasSize(6).containsEntry("t.5", "throttled-value-5");
        assertThat(vault.journal().count("Throttled")).isEqualTo(5);
        assertThat(r.stats().requestsSent()).as(vault.journal().entries().toString()).isEqualTo(11);
    }

    @Test
    void serverErrorsAndDroppedConnectionsRetry() {
        seed(vault, "flaky-1", "flaky-value-1");
        seed(vault, "flaky-2", "flaky-value-2");
        vault.faults().failNext(3, 503);
        Resolution r = resolve(Map.of("a", "@kv:flaky-1", "b", "@kv:flaky-2"));
        assertThat(r.failures()).isEmpty();
        assertThat(r.values()).containsEntry("a", "flaky-value-1").containsEntry("b", "flaky-value-2");
        assertThat(vault.journal().count("InjectedFailure")).isEqualTo(3);

        vault.faults().dropNext(2);
        Resolution dropped = resolve(Map.of("a", "@kv:flaky-1", "b", "@kv:flaky-2"));
        assertThat(dropped.failures()).isEmpty();
        assertThat(dropped.values()).containsEntry("a", "flaky-value-1").containsEntry("b", "flaky-value-2");
        assertThat(vault.journal().count("DroppedConnection")).isEqualTo(2);
    }

    @Test
    void slowVaultBeyondTheDeadlineTimesOut() {
        seed(vault, "slow-1", "slow-value-1");
        seed(vault, "slow-2", "slow-value-2");
        vault.faults().latency(Duration.ofSeconds(4));
        Map<String, String> cfg = config(vault);
        cfg.put("quarkus.kvconfig.startup-timeout", "1S");
        Resolution r = resolve(cfg, Map.of("slow.a", "@kv:slow-1", "slow.b", "@kv:slow-2"), null);
        vault.faults().clear();
        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).hasSize(2).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.TIMED_OUT);
            assertThat(f.message()).contains("startup timeout of 1s");
        });
        assertThatThrownBy(r::orThrow).isInstanceOf(ResolutionFailedException.class)
                .hasMessageContaining("slow.a").hasMessageContaining("slow-1")
                .hasMessageContaining("slow.b").hasMessageContaining("slow-2")
                .hasMessageContaining("timed out");
    }

    @Test
    void throttlingBeyondTheDeadlineIsReportedAsThrottled() {
        seed(vault, "busy", "busy-value");
        vault.faults().throttleNext(100, 60);
        Map<String, String> cfg = config(vault);
        cfg.put("quarkus.kvconfig.startup-timeout", "5S");
        Resolution r = resolve(cfg, Map.of("busy.prop", "@kv:busy"), null);
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.THROTTLED);
            assertThat(f.message()).contains("Retry-After 60s");
        });
        // Retry-After beyond the deadline: no pointless second request
        assertThat(vault.journal().count("Throttled")).isEqualTo(1);
    }

    @Test
    void everyFailureKindIsInTheOneMessageWithoutValues() throws Exception {
        seed(vault, "good", "good-value-\u00e9");
        SECRET_VALUES.add("disabled-value-9");
        Map<String, String> cfg = config(vault);
        cfg.put("quarkus.kvconfig.startup-timeout", "3S");
        try (ForbiddingVault forbidding = new ForbiddingVault(tmp, vault.tenantId());
                ServerSocket closed = new ServerSocket(0)) {
            int closedPort = closed.getLocalPort();
            closed.close();
            Path trust = forbidding.combinedTrustStore(vault.trustStorePath(), vault.trustStorePassword(),
                    tmp.resolve("combined.p12"));
            cfg.put("quarkus.kvconfig.tls.trust-store", trust.toString());
            // a disabled secret, set through the SDK
            KeyVaultSettings s = settings(cfg);
            try (KeyVaultClients clients = new KeyVaultClients(s)) {
                clients.forVault(vault.vaultUrl()).setSecret(new KeyVaultSecret("disabled-one", "disabled-value-9")
                        .setProperties(new SecretProperties().setEnabled(false))).block(java.time.Duration.ofSeconds(60));
            }
            Map<String, String> raw = new LinkedHashMap<>();
            raw.put("app.good", "@kv:good");
            raw.put("app.missing", "@kv:no-such-secret");
            raw.put("app.disabled", "@kv:disabled-one");
            raw.put("app.invalid", "@kv:bad_name");
            raw.put("app.unreachable", "@kv:https://localhost:" + closedPort + "/secrets/far-away");
            raw.put("app.forbidden", "@kv:" + forbidding.url() + "/secrets/locked-secret");

            Resolution r = resolve(cfg, raw, null);

            assertThat(r.values()).containsOnlyKeys("app.good").containsEntry("app.good", "good-value-\u00e9");
            Map<String, FailureKind> kinds = new HashMap<>();
            r.failures().forEach(f -> kinds.put(f.property(), f.kind()));
            assertThat(kinds).as(r.failureReport()).containsExactlyInAnyOrderEntriesOf(Map.of(
                    "app.missing", FailureKind.NOT_FOUND,
                    "app.disabled", FailureKind.DISABLED,
                    "app.invalid", FailureKind.INVALID_REFERENCE,
                    "app.unreachable", FailureKind.UNREACHABLE,
                    "app.forbidden", FailureKind.ACCESS_DENIED));
            String message = assertThatThrownBy(r::orThrow).isInstanceOf(ResolutionFailedException.class)
                    .actual().getMessage();
            assertThat(message)
                    .startsWith("Could not resolve 5 of 6 Key Vault references:")
                    .contains("property 'app.missing', secret 'no-such-secret' in " + vault.vaultUrl() + ": not found")
                    .contains("property 'app.disabled', secret 'disabled-one'", "secret disabled")
                    .contains("property 'app.invalid': invalid reference", "bad_name", "contains '_'")
                    .contains("property 'app.unreachable', secret 'far-away' in https://localhost:" + closedPort
                            + ": vault unreachable", "cannot connect")
                    .contains("property 'app.forbidden', secret 'locked-secret' in " + forbidding.url()
                            + ": access denied", "Key Vault Secrets User", "ForbiddenByRbac")
                    .doesNotContain("app.good");
            assertNoValues(message);
            assertNoValues(r.toString());
            assertThat(forbidding.forbidden.get()).isEqualTo(1);
        }
    }

    @Test
    void aRetryTheDeadlineCutsShortReportsWhatTheEarlierAttemptsMet() throws Exception {
        Map<String, String> cfg = config(vault);
        cfg.put("quarkus.kvconfig.startup-timeout", "5S");
        // its own folder: the class's temp dir is shared, and keytool refuses to add a second key to forbidding.p12
        try (ForbiddingVault flaky = new ForbiddingVault(Files.createDirectories(tmp.resolve("flaky")),
                vault.tenantId())) {
            flaky.unavailableThenSilent = true;
            cfg.put("quarkus.kvconfig.tls.trust-store", flaky.combinedTrustStore(vault.trustStorePath(),
                    vault.trustStorePassword(), tmp.resolve("combined-flaky.p12")).toString());
            // attempt 1: 503 (retried after ~200 ms); attempt 2: no answer, still in flight when the deadline ends
            Resolution r = resolve(cfg, Map.of("app.flaky", "@kv:" + flaky.url() + "/secrets/flaky-secret"), null);
            assertThat(r.values()).isEmpty();
            assertThat(r.failures()).singleElement().satisfies(f -> {
                assertThat(f.kind()).isEqualTo(FailureKind.TIMED_OUT);
                assertThat(f.message()).contains("startup timeout of 5s", "after 2 attempts", "503")
                        .doesNotContain("no response in time");
            });
            assertThat(flaky.authorized.get()).isEqualTo(2);
        }
    }

    @Test
    void noVaultConfiguredSaysHowToConfigureOne() {
        seed(vault, "elsewhere", "elsewhere-value");
        Map<String, String> cfg = config(vault);
        cfg.remove("quarkus.kvconfig.url");
        Resolution r = resolve(cfg, Map.of("a", "@kv:x", "b", "@kv:" + vault.vaultUrl() + "/secrets/elsewhere"), null);
        assertThat(r.values()).containsOnlyKeys("b").containsEntry("b", "elsewhere-value");
        assertThat(r.failures()).singleElement().satisfies(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.NO_VAULT_CONFIGURED);
            assertThat(f.message()).contains("KEY_VAULT_URL").contains("quarkus.kvconfig.url");
        });
    }

    @Test
    void authenticationFailureNamesTheCredentialAndStopsAfterThePrimer() {
        seed(vault, "auth-1", "auth-value-1");
        seed(vault, "auth-2", "auth-value-2");
        Map<String, String> cfg = config(vault);
        cfg.put("quarkus.kvconfig.credential.type", "managed-identity");
        cfg.put("quarkus.kvconfig.credential.identity-header", "wrong-header");
        Resolution r = resolve(cfg, Map.of("a", "@kv:auth-1", "b", "@kv:auth-2"), null);
        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).hasSize(2).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
            assertThat(f.message()).contains("managed identity endpoint " + vault.identityEndpoint())
                    .contains("HTTP 401").contains("wrong identity-header");
        });
        assertThat(vault.journal().count("GetSecret")).isZero();
        assertThat(r.stats().requestsSent()).isEqualTo(1);
    }

    @Test
    void firewallBlockedNamesTheClientAddress() {
        seed(vault, "fw-1", "fw-value-1");
        seed(vault, "fw-2", "fw-value-2");
        vault.firewall().defaultAction("Deny");
        Resolution r = resolve(Map.of("a", "@kv:fw-1", "b", "@kv:fw-2"));
        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).hasSize(2).allSatisfy(f -> {
            assertThat(f.kind()).isEqualTo(FailureKind.FIREWALL_BLOCKED);
            assertThat(f.message()).contains("client address " + vault.publicIp());
        });
        // the fan-out starts once the primer goes out with a token, so the firewall refuses both requests
        assertThat(r.stats().requestsSent()).isEqualTo(2);
        assertThat(vault.journal().count("ForbiddenByFirewall")).isEqualTo(2);
    }

    /** Stands in for the firewall module: opens the dev vault's firewall for our address. */
    static final class OpeningHook implements FirewallHook {
        final AtomicInteger before = new AtomicInteger();
        final AtomicInteger forbidden = new AtomicInteger();
        final List<String> vaults = new ArrayList<>();
        final boolean openBefore;
        final boolean helps;

        OpeningHook(boolean openBefore, boolean helps) {
            this.openBefore = openBefore;
            this.helps = helps;
        }

        @Override
        public void beforeResolve() {
            before.incrementAndGet();
            if (openBefore) {
                vault.firewall().addIpRule(vault.publicIp());
            }
        }

        @Override
        public boolean onForbiddenByConnection(String vaultUrl) {
            forbidden.incrementAndGet();
            vaults.add(vaultUrl);
            if (helps) {
                vault.firewall().addIpRule(vault.publicIp());
            }
            return helps;
        }
    }

    static Map<String, String> fiveRefs(String prefix) {
        Map<String, String> raw = new LinkedHashMap<>();
        for (int i = 0; i < 5; i++) {
            seed(vault, prefix + i, prefix + "value-" + i);
            raw.put(prefix + "." + i, "@kv:" + prefix + i);
        }
        return raw;
    }

    @Test
    void firewallHookIsCalledOnceAndTheBlockedRequestsAreRetried() {
        Map<String, String> raw = fiveRefs("hook");
        vault.firewall().defaultAction("Deny");
        OpeningHook hook = new OpeningHook(false, true);
        Resolution r = resolve(config(vault), raw, hook);
        assertThat(r.failures()).isEmpty();
        assertThat(r.values()).hasSize(5).containsEntry("hook.4", "hookvalue-4");
        assertThat(hook.before).hasValue(1);
        assertThat(hook.forbidden).hasValue(1);
        assertThat(hook.vaults).containsExactly(vault.vaultUrl());
        // all five went out once authorized and were refused; one allowlisting; the five retried
        assertThat(vault.journal().count("ForbiddenByFirewall")).isEqualTo(5);
        assertThat(r.stats().requestsSent()).isEqualTo(10);
    }

    @Test
    void firewallHookOpeningBeforeResolveIsNotAskedAgain() {
        Map<String, String> raw = fiveRefs("early");
        vault.firewall().defaultAction("Deny");
        OpeningHook hook = new OpeningHook(true, true);
        Resolution r = resolve(config(vault), raw, hook);
        assertThat(r.failures()).isEmpty();
        assertThat(r.values()).hasSize(5);
        assertThat(hook.before).hasValue(1);
        assertThat(hook.forbidden).hasValue(0);
        assertThat(vault.journal().count("ForbiddenByFirewall")).isZero();
    }

    @Test
    void firewallHookThatCannotHelpIsAskedOnce() {
        Map<String, String> raw = fiveRefs("stuck");
        vault.firewall().defaultAction("Deny");
        OpeningHook hook = new OpeningHook(false, false);
        Resolution r = resolve(config(vault), raw, hook);
        assertThat(r.values()).isEmpty();
        assertThat(r.failures()).hasSize(5).allSatisfy(f -> assertThat(f.kind()).isEqualTo(FailureKind.FIREWALL_BLOCKED));
        assertThat(hook.before).hasValue(1);
        assertThat(hook.forbidden).hasValue(1);
    }
}
