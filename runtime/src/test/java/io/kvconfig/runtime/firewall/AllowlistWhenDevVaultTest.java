package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.devvault.Journal;
import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.config.ResolverFactory;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * {@code quarkus.kvconfig.firewall.when} through the startup resolver as the interceptor and the CLI wire it
 * ({@link ResolverFactory#create}), against the dev vault's firewall, Resource Manager and IP echo, counted in its
 * journal. Each "start" is new clients and a new resolver on the same vault, as a restart would be.
 */
class AllowlistWhenDevVaultTest {

    private static final String SECRET_VALUE = "when-value-5521";
    private static final String IP = "203.0.113.10";

    @TempDir
    Path tmp;

    private DevVault vault;
    private final Map<String, String> config = new HashMap<>();

    @BeforeEach
    void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp).build().start();
        vault.setSecret("db-password", SECRET_VALUE);
        vault.firewall().defaultAction("Deny");
        config.put("quarkus.kvconfig.url", vault.vaultUrl());
        config.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        config.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        config.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        config.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        config.put("quarkus.kvconfig.challenge-resource-verification", "false");
        // what the Dev Service provides when it turns allowlisting on
        config.put("quarkus.kvconfig.firewall.resource-group", vault.resourceGroup());
        config.put("quarkus.kvconfig.firewall.vault-name", vault.vaultName());
        config.put("quarkus.kvconfig.firewall.subscription-id", vault.subscriptionId());
        config.put("quarkus.kvconfig.firewall.resource-manager-url", vault.resourceManagerUrl());
        config.put("quarkus.kvconfig.firewall.ip-echo-urls", vault.ipEchoUrl());
        config.put("quarkus.kvconfig.firewall.propagation-timeout", "20S");
        KvConfigRuntime.recordAllowlisting(null);
    }

    @AfterEach
    void stop() {
        KvConfigRuntime.recordAllowlisting(null);
        vault.close();
    }

    /** One start: new clients, the startup resolver, one reference. */
    private Resolution start(String when) {
        if (when == null) {
            config.remove("quarkus.kvconfig.firewall.when");
        } else {
            config.put("quarkus.kvconfig.firewall.when", when);
        }
        KeyVaultSettings settings = KeyVaultSettings.from(name -> Optional.ofNullable(config.get(name)));
        FirewallSettings firewall = FirewallSettings.from(name -> Optional.ofNullable(config.get(name)));
        try (KeyVaultClients clients = new KeyVaultClients(settings)) {
            Resolution r = ResolverFactory.create(clients, settings, firewall, true)
                    .resolve(Map.of("app.db.password", new SecretReference(null, "db-password", null, false)));
            assertThat(r.successful()).as(r.failureReport()).isTrue();
            assertThat(r.values()).containsEntry("app.db.password", SECRET_VALUE);
            return r;
        }
    }

    /** Everything allowlisting sends to the dev vault: any Resource Manager request, and the IP echo. */
    private long allowlistingRequests() {
        return vault.journal().entries().stream()
                .filter(e -> e.path().startsWith("/subscriptions") || e.operation().equals("IpEcho")).count();
    }

    /** 403s of the firewall (the dev vault says ForbiddenByFirewall for an address without a rule). */
    private long firewallRefusals() {
        return vault.journal().count("ForbiddenByFirewall") + vault.journal().count("ForbiddenByConnection");
    }

    private List<String> operations() {
        return vault.journal().entries().stream().map(e -> e.operation() + " " + e.status()).toList();
    }

    @Test
    void onRefusalOnAFreshDenyVaultIsRefusedOnceThenAllowlistsAndTheRetrySucceeds() {
        start("on-refusal");

        Journal j = vault.journal();
        // one refused GET, the rule added through Resource Manager (read, PATCH, verify), one retried GET
        assertThat(firewallRefusals()).isEqualTo(1);
        assertThat(j.count("GetSecret")).isEqualTo(2);
        assertThat(j.count("IpEcho")).isEqualTo(1);
        assertThat(j.count("VaultPatch")).isEqualTo(1);
        assertThat(j.count("VaultPut")).isZero();
        assertThat(j.count("VaultGet")).isEqualTo(2);
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
        assertThat(vault.firewall().defaultAction()).isEqualTo("Deny");
        // in this order: the refusal comes first, allowlisting only after it, the successful GET last
        List<String> ops = operations();
        assertThat(ops.indexOf("GetSecret 403")).isNotNegative().isLessThan(ops.indexOf("IpEcho 200"));
        assertThat(ops.indexOf("VaultPatch 200")).isLessThan(ops.lastIndexOf("GetSecret 200"));
        // the data-plane probe (one page of names) says the rule is effective before the retry
        assertThat(ops.stream().filter(o -> o.startsWith("GetSecret")).toList())
                .containsExactly("GetSecret 403", "GetSecrets 200", "GetSecret 200");

        AllowlistResult last = KvConfigRuntime.lastAllowlisting().orElseThrow();
        assertThat(last.ok()).as(last.message()).isTrue();
        assertThat(last.added()).isTrue();
        assertThat(last.effective()).isTrue();
        assertThat(last.ip()).isEqualTo(IP);
    }

    @Test
    void onRefusalWithTheRuleAlreadyThereSendsNoResourceManagerOrEchoRequest() {
        start("on-refusal");
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");

        // the restart: the rule is there (the dev vault's state file keeps it across dev-mode restarts)
        vault.journal().reset();
        KvConfigRuntime.recordAllowlisting(null);
        start("on-refusal");

        Journal j = vault.journal();
        assertThat(allowlistingRequests()).as(j.counts().toString()).isZero();
        assertThat(firewallRefusals()).isZero();
        assertThat(j.count("GetSecret")).isEqualTo(1);
        // one token: the vault's; none for Resource Manager
        assertThat(j.count("Token")).isEqualTo(1);
        assertThat(KvConfigRuntime.lastAllowlisting()).isEmpty();
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
    }

    @Test
    void onRefusalWhenTheVaultAllowsPublicTrafficSendsNothingExtra() {
        vault.firewall().defaultAction("Allow");
        start("ON_REFUSAL");

        assertThat(allowlistingRequests()).isZero();
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        assertThat(vault.firewall().ipRules()).isEmpty();
        assertThat(KvConfigRuntime.lastAllowlisting()).isEmpty();
    }

    @Test
    void startupModeAllowlistsBeforeTheFirstRequestOnEveryStart() {
        // the default
        start(null);

        Journal j = vault.journal();
        assertThat(firewallRefusals()).isZero();
        assertThat(j.count("GetSecret")).isEqualTo(1);
        assertThat(j.count("IpEcho")).isEqualTo(1);
        assertThat(j.count("VaultPatch")).isEqualTo(1);
        List<String> ops = operations();
        assertThat(ops.indexOf("VaultPatch 200")).isNotNegative().isLessThan(ops.indexOf("GetSecret 200"));
        assertThat(KvConfigRuntime.lastAllowlisting()).hasValueSatisfying(r -> assertThat(r.added()).isTrue());

        // a restart with the rule there still asks the echo and Resource Manager first: what on-refusal saves
        vault.journal().reset();
        start("startup");
        assertThat(j.count("IpEcho")).isEqualTo(1);
        assertThat(j.count("VaultGet")).isEqualTo(1);
        assertThat(j.count("VaultPatch")).isZero();
        assertThat(j.count("GetSecret")).isEqualTo(1);
        assertThat(KvConfigRuntime.lastAllowlisting()).hasValueSatisfying(r -> {
            assertThat(r.alreadyPresent()).isTrue();
            assertThat(r.added()).isFalse();
        });
    }

    @Test
    void onRefusalWhoseAllowlistingFailsLeavesTheRefusalAndKeepsTheReason() {
        // Resource Manager knows no such group: the run fails, the refused request is not retried, startup fails on it
        config.put("quarkus.kvconfig.firewall.resource-group", "no-such-group");
        config.put("quarkus.kvconfig.firewall.when", "on-refusal");
        KeyVaultSettings settings = KeyVaultSettings.from(name -> Optional.ofNullable(config.get(name)));
        FirewallSettings firewall = FirewallSettings.from(name -> Optional.ofNullable(config.get(name)));
        try (KeyVaultClients clients = new KeyVaultClients(settings)) {
            Resolution r = ResolverFactory.create(clients, settings, firewall, true)
                    .resolve(Map.of("app.db.password", new SecretReference(null, "db-password", null, false)));
            assertThat(r.successful()).isFalse();
            assertThat(r.failureReport()).contains("app.db.password").contains("blocked by the vault firewall")
                    .doesNotContain(SECRET_VALUE);
            // the refusal came first, the run after it: the report still says why allowlisting did not help
            assertThat(r.failures()).singleElement().satisfies(f -> assertThat(f.message())
                    .contains("automatic allowlisting failed:").contains("no-such-group"));
        }
        assertThat(firewallRefusals()).isEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        assertThat(vault.journal().count("VaultPatch")).isZero();
        // the run's reason, as the admin API and the Dev UI show it
        assertThat(KvConfigRuntime.lastAllowlisting()).hasValueSatisfying(res -> {
            assertThat(res.ok()).isFalse();
            assertThat(res.error()).contains("no-such-group");
        });
    }
}
