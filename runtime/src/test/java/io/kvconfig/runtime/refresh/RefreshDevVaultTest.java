package io.kvconfig.runtime.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.security.keyvault.secrets.SecretAsyncClient;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.devvault.Journal;
import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.config.KvConfigRuntimeConfigBuilder;
import io.kvconfig.runtime.resolve.LogCapture;
import io.kvconfig.runtime.vault.FailureKind;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SecretKeys;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * The refresh of resolved references through the real config interceptor, the real SDK and the dev vault: requests are
 * counted in the dev vault's journal (one GET per distinct unpinned secret, none for pinned ones), a value changes only
 * with a new version, failures keep the last good value and show as stale, and no value reaches a log line.
 */
class RefreshDevVaultTest {

    @TempDir
    static Path tmp;
    static DevVault vault;
    /** Every value seeded here; none may appear in the captured log or output. */
    static final List<String> VALUES = new ArrayList<>();
    LogCapture capture;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).build().start();
        vault.softDeleteDelays(Duration.ZERO, Duration.ZERO);
    }

    @AfterAll
    static void stop() {
        KvConfigRuntime.shutdown();
        vault.close();
    }

    @BeforeEach
    void capture() {
        capture = new LogCapture();
    }

    @AfterEach
    void noValueLogged() {
        capture.close();
        String out = capture.text();
        for (String v : VALUES) {
            assertThat(out).as("captured log/output").doesNotContain(v);
        }
    }

    static String seed(String name, String value) {
        VALUES.add(value);
        return vault.setSecret(name, value);
    }

    /** The app's runtime config as the extension builds it, resolved; and the live references it published. */
    record App(SmallRyeConfig config, LiveReferences live) {
        String get(String name) {
            return SecretKeys.doUnlocked(() -> config.getValue(name, String.class));
        }
    }

    static App app(Map<String, String> references, ConfigSource... more) {
        Map<String, String> props = new HashMap<>(references);
        props.put("quarkus.kvconfig.url", vault.vaultUrl());
        props.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        props.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        props.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        props.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        props.put("quarkus.kvconfig.challenge-resource-verification", "false");
        SmallRyeConfigBuilder builder = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(props, "test", 250))
                .withSources(more);
        SmallRyeConfig config = new KvConfigRuntimeConfigBuilder().configBuilder(builder).build();
        config.getPropertyNames().forEach(n -> {
        }); // the batch runs on the first listing, as when Quarkus builds its mappings
        return new App(config, KvConfigRuntime.liveReferences().orElseThrow());
    }

    static long gets(String secret) {
        return vault.journal().entries().stream().filter(e -> e.operation().equals("GetSecret"))
                .filter(e -> e.path().toLowerCase().contains("/secrets/" + secret + "/")
                        || e.path().toLowerCase().endsWith("/secrets/" + secret))
                .count();
    }

    static long allGets() {
        return vault.journal().entries().stream().map(Journal.Entry::operation).filter("GetSecret"::equals).count();
    }

    static RefreshResult join(java.util.concurrent.CompletionStage<RefreshResult> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void oneGetPerDistinctUnpinnedSecretAndNoneForPinnedOnes() {
        seed("count-a", "count-a-value-1");
        seed("count-b", "count-b-value-1");
        String pinnedVersion = seed("count-pinned", "count-pinned-value-1");
        App app = app(Map.of(
                "app.a", "@kv:count-a",
                "app.a-again", "@kv:" + vault.vaultUrl() + "/secrets/count-a",
                "app.a-optional", "@kv?:COUNT-A",
                "app.b", "@kv:count-b",
                "app.pinned", "@kv:count-pinned/" + pinnedVersion));
        vault.journal().reset();

        RefreshResult first = join(app.live().refresh());
        RefreshResult second = join(app.live().refresh());

        // 2 refreshes x 2 distinct unpinned secrets; the pinned one never
        assertThat(gets("count-a")).isEqualTo(2);
        assertThat(gets("count-b")).isEqualTo(2);
        assertThat(gets("count-pinned")).isZero();
        assertThat(allGets()).isEqualTo(4);
        for (RefreshResult r : List.of(first, second)) {
            assertThat(r.changedProperties()).isEmpty();
            assertThat(r.changedSecrets()).isEmpty();
            assertThat(r.failures()).isEmpty();
        }
        assertThat(app.get("app.a")).isEqualTo("count-a-value-1");
    }

    @Test
    void aNewVersionIsSwappedInEverywhereAndReportedByName() {
        seed("rot-a", "rot-a-value-1");
        seed("rot-b", "rot-b-value-1");
        String pinnedVersion = seed("rot-pinned", "rot-pinned-value-1");
        App app = app(Map.of(
                "app.a", "@kv:rot-a",
                "app.a-again", "@kv:" + vault.vaultUrl() + "/secrets/rot-a",
                "app.b", "@kv:rot-b",
                "app.pinned", "@kv:rot-pinned/" + pinnedVersion));
        assertThat(app.get("app.a")).isEqualTo("rot-a-value-1");

        seed("rot-a", "rot-a-value-2");
        seed("rot-pinned", "rot-pinned-value-2");
        RefreshResult r = join(app.live().refresh());

        assertThat(r.changedProperties()).containsExactlyInAnyOrder("app.a", "app.a-again");
        assertThat(r.changedSecrets()).containsExactly("rot-a");
        assertThat(r.failures()).isEmpty();
        assertThat(r.toString()).doesNotContain("rot-a-value");
        assertThat(app.get("app.a")).isEqualTo("rot-a-value-2");
        assertThat(app.get("app.a-again")).isEqualTo("rot-a-value-2");
        assertThat(app.live().current("app.a")).contains("rot-a-value-2");
        // the environment-variable spelling of the name finds the same reference
        assertThat(app.live().current("APP_A")).contains("rot-a-value-2");
        assertThat(app.get("app.b")).isEqualTo("rot-b-value-1");
        assertThat(app.get("app.pinned")).isEqualTo("rot-pinned-value-1");
        assertThat(app.live().current("app.pinned")).contains("rot-pinned-value-1");
        assertThat(app.live().current("quarkus.kvconfig.url")).isEmpty();
        assertThat(app.live().current("no.such.property")).isEmpty();

        // same version again: nothing changes
        RefreshResult again = join(app.live().refresh());
        assertThat(again.changedProperties()).isEmpty();
        assertThat(app.get("app.a")).isEqualTo("rot-a-value-2");
    }

    @Test
    void refreshingOneSecretIsOneGet() {
        seed("one-a", "one-a-value-1");
        seed("one-b", "one-b-value-1");
        String pinnedVersion = seed("one-pinned", "one-pinned-value-1");
        App app = app(Map.of(
                "app.a", "@kv:one-a",
                "app.a-again", "@kv:one-a",
                "app.b", "@kv:one-b",
                "app.pinned", "@kv:one-pinned/" + pinnedVersion));
        seed("one-a", "one-a-value-2");
        vault.journal().reset();

        // the secret name compared as Key Vault does (any case)
        RefreshResult r = join(app.live().refresh(vault.vaultUrl(), "ONE-A"));

        assertThat(allGets()).isEqualTo(1);
        assertThat(gets("one-a")).isEqualTo(1);
        assertThat(r.changedProperties()).containsExactlyInAnyOrder("app.a", "app.a-again");
        assertThat(app.get("app.a")).isEqualTo("one-a-value-2");
        assertThat(app.get("app.b")).isEqualTo("one-b-value-1");

        vault.journal().reset();
        assertThat(join(app.live().refresh(vault.vaultUrl(), "no-such-secret")).changedProperties()).isEmpty();
        assertThat(join(app.live().refresh("https://other-vault.example", "one-a")).changedProperties()).isEmpty();
        assertThat(join(app.live().refresh(vault.vaultUrl(), "one-pinned")).changedProperties()).isEmpty();
        assertThat(allGets()).as("no matching unpinned reference: nothing sent").isZero();
    }

    @Test
    void aFailingRefreshKeepsTheLastGoodValueIsStaleAndLogsOncePerKind() {
        seed("fail-a", "fail-a-value-1");
        seed("fail-b", "fail-b-value-1");
        App app = app(Map.of("app.a", "@kv:fail-a", "app.b", "@kv:fail-b"));
        seed("fail-a", "fail-a-value-2");
        seed("fail-b", "fail-b-value-2");
        vault.secretAccess().denySecret("fail-a");
        try {
            RefreshResult r = join(app.live().refresh());
            RefreshResult again = join(app.live().refresh());

            assertThat(r.failures()).singleElement().satisfies(f -> {
                assertThat(f.property()).isEqualTo("app.a");
                assertThat(f.secretName()).isEqualTo("fail-a");
                assertThat(f.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
            });
            // the other secret still moved on
            assertThat(r.changedProperties()).containsExactly("app.b");
            assertThat(app.get("app.a")).isEqualTo("fail-a-value-1");
            assertThat(app.get("app.b")).isEqualTo("fail-b-value-2");
            assertThat(app.live().stale()).singleElement().satisfies(s -> {
                assertThat(s.properties()).containsExactly("app.a");
                assertThat(s.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
                // stale since the first failed refresh, not the last
                assertThat(s.since()).isEqualTo(r.at());
            });
            assertThat(again.failures()).hasSize(1);
            assertThat(warnings("Key Vault refresh failed")).as("logged once per failure kind").isEqualTo(1);
        } finally {
            vault.secretAccess().allowSecret("fail-a");
        }
        RefreshResult recovered = join(app.live().refresh());
        assertThat(recovered.failures()).isEmpty();
        assertThat(recovered.changedProperties()).containsExactly("app.a");
        assertThat(app.get("app.a")).isEqualTo("fail-a-value-2");
        assertThat(app.live().stale()).isEmpty();
        assertThat(capture.text()).contains("every reference reads again");
    }

    @Test
    void aDeletedOrDisabledSecretKeepsItsValueAndIsReported() {
        seed("gone-deleted", "gone-deleted-value-1");
        seed("gone-disabled", "gone-disabled-value-1");
        App app = app(Map.of("app.deleted", "@kv:gone-deleted", "app.disabled", "@kv:gone-disabled",
                "app.optional", "@kv?:gone-deleted"));
        SecretAsyncClient client = KvConfigRuntime.currentClients().orElseThrow().forVault(vault.vaultUrl());
        var props = client.getSecret("gone-disabled").block().getProperties().setEnabled(false);
        client.updateSecretProperties(props).block();
        client.beginDeleteSecret("gone-deleted").blockLast();

        RefreshResult r = join(app.live().refresh());

        assertThat(r.failures()).extracting(RefreshResult.Failure::property, RefreshResult.Failure::kind)
                .containsExactlyInAnyOrder(
                        org.assertj.core.groups.Tuple.tuple("app.deleted", FailureKind.NOT_FOUND),
                        org.assertj.core.groups.Tuple.tuple("app.optional", FailureKind.NOT_FOUND),
                        org.assertj.core.groups.Tuple.tuple("app.disabled", FailureKind.DISABLED));
        assertThat(app.get("app.deleted")).isEqualTo("gone-deleted-value-1");
        assertThat(app.get("app.optional")).isEqualTo("gone-deleted-value-1");
        assertThat(app.get("app.disabled")).isEqualTo("gone-disabled-value-1");
        // one entry per reference (@kv: and @kv?: to the same secret are two), names only
        assertThat(app.live().stale()).flatExtracting(StaleReference::properties)
                .containsExactlyInAnyOrder("app.deleted", "app.optional", "app.disabled");
        assertThat(app.live().stale()).extracting(StaleReference::secretName).containsOnly("gone-deleted", "gone-disabled");
    }

    @Test
    void aReferenceResolvedLateIsASecretKey() {
        seed("late-secret", "late-secret-value-1");
        seed("late-listed", "late-listed-value-1");
        App app = app(Map.of("app.listed", "@kv:late-listed"), new UnlistedSource(Map.of("app.late", "@kv:late-secret")));

        // not listed (that is why it is resolved late), refused to programmatic reads like the batch's names
        List<String> names = new ArrayList<>();
        app.config().getPropertyNames().forEach(names::add); // SmallRye's name iterable is single-use
        assertThat(names).contains("quarkus.kvconfig.url").doesNotContain("app.late", "app.listed");
        assertThatThrownBy(() -> app.config().getValue("app.late", String.class)).isInstanceOf(SecurityException.class)
                .hasMessageContaining("app.late").hasMessageNotContaining("late-secret-value");
        assertThatThrownBy(() -> app.config().getValue("app.listed", String.class)).isInstanceOf(SecurityException.class);
        assertThat(app.get("app.late")).isEqualTo("late-secret-value-1");
        // after it was resolved too
        assertThatThrownBy(() -> app.config().getOptionalValue("app.late", String.class)).isInstanceOf(SecurityException.class);

        // and it is refreshed like the others
        seed("late-secret", "late-secret-value-2");
        assertThat(join(app.live().refresh()).changedProperties()).containsExactly("app.late");
        assertThat(app.get("app.late")).isEqualTo("late-secret-value-2");
    }

    @Test
    void withHideResolvedValuesOffALateReferenceStaysReadable() {
        seed("late-open", "late-open-value-1");
        App app = app(Map.of("quarkus.kvconfig.hide-resolved-values", "false"),
                new UnlistedSource(Map.of("app.late-open", "@kv:late-open")));
        assertThat(app.config().getValue("app.late-open", String.class)).isEqualTo("late-open-value-1");
    }

    @Test
    void aNewRuntimeConfigStopsThePreviousRefresher() {
        seed("restart-a", "restart-a-value-1");
        App old = app(Map.of("app.a", "@kv:restart-a"));
        App fresh = app(Map.of("app.a", "@kv:restart-a"));

        assertThat(KvConfigRuntime.liveReferences()).containsSame(fresh.live());
        assertThat(old.live().refresh().toCompletableFuture()).isCompletedExceptionally();
        assertThat(join(fresh.live().refresh()).failures()).isEmpty();
    }

    @Test
    void withAllowlistingARefreshCallsNoResourceManagerUnlessTheFirewallRefuses() {
        seed("fw-a", "fw-a-value-1");
        vault.firewall().ruleDelay(Duration.ZERO).clearIpRules().defaultAction("Deny");
        try {
            Map<String, String> props = new HashMap<>(Map.of("app.a", "@kv:fw-a"));
            props.put("KEY_VAULT_RG", vault.resourceGroup());
            props.put("KEY_VAULT_NAME", vault.vaultName());
            props.put("AZURE_SUBSCRIPTION_ID", vault.subscriptionId());
            props.put("quarkus.kvconfig.firewall.resource-manager-url", vault.resourceManagerUrl());
            props.put("quarkus.kvconfig.firewall.ip-echo-urls", vault.ipEchoUrl());
            props.put("quarkus.kvconfig.firewall.propagation-timeout", "20S");
            App app = app(props);
            assertThat(vault.firewall().ipRules()).as("allowlisted at startup").isNotEmpty();
            seed("fw-a", "fw-a-value-2");
            vault.journal().reset();

            assertThat(join(app.live().refresh()).changedProperties()).containsExactly("app.a");
            // the rule is there: the refresh reads the secret and nothing else
            assertThat(vault.journal().count("VaultGet") + vault.journal().count("VaultPut")
                    + vault.journal().count("VaultPatch") + vault.journal().count("IpEcho")).isZero();
            assertThat(allGets()).isEqualTo(1);

            // the rule was removed meanwhile: the refusal re-adds it and the refresh still reads
            vault.firewall().clearIpRules();
            seed("fw-a", "fw-a-value-3");
            RefreshResult r = join(app.live().refresh());
            assertThat(r.failures()).isEmpty();
            assertThat(r.changedProperties()).containsExactly("app.a");
            assertThat(app.get("app.a")).isEqualTo("fw-a-value-3");
            assertThat(vault.firewall().ipRules()).isNotEmpty();
        } finally {
            vault.firewall().clearIpRules().defaultAction("Allow");
            // the process-wide last run is reset (not a run), so no later test sees this one
            KvConfigRuntime.recordAllowlisting(null);
        }
    }

    private int warnings(String text) {
        return (int) capture.text().lines().filter(l -> l.startsWith("WARN")).filter(l -> l.contains(text)).count();
    }

    /** A source that answers lookups but lists no name (like a lookup-only source): its references resolve late. */
    static final class UnlistedSource implements ConfigSource {
        private final Map<String, String> values;

        UnlistedSource(Map<String, String> values) {
            this.values = values;
        }

        @Override
        public Set<String> getPropertyNames() {
            return Set.of();
        }

        @Override
        public String getValue(String propertyName) {
            return values.get(propertyName);
        }

        @Override
        public String getName() {
            return "unlisted";
        }

        @Override
        public int getOrdinal() {
            return 260;
        }
    }
}
