package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.sun.net.httpserver.HttpServer;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.resolve.FirewallHook;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import reactor.core.publisher.Mono;

/** Allowlisting against the dev vault's Resource Manager, firewall and IP echo, through the real Azure SDK. */
class FirewallAllowlisterDevVaultTest {

    private static final String SECRET_VALUE = "s3cr3t-value-fw-7781";
    private static final String IP = "203.0.113.10";

    @TempDir
    Path tmp;

    private DevVault vault;
    private final Map<String, String> config = new HashMap<>();
    private KeyVaultClients clients;

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
        config.put("KEY_VAULT_RG", vault.resourceGroup());
        config.put("KEY_VAULT_NAME", vault.vaultName());
        config.put("AZURE_SUBSCRIPTION_ID", vault.subscriptionId());
        config.put("quarkus.kvconfig.firewall.resource-manager-url", vault.resourceManagerUrl());
        config.put("quarkus.kvconfig.firewall.ip-echo-urls", vault.ipEchoUrl());
        config.put("quarkus.kvconfig.firewall.propagation-timeout", "20S");
        KvConfigRuntime.recordAllowlisting(null);
    }

    @AfterEach
    void stop() {
        if (clients != null) {
            clients.close();
        }
        vault.close();
    }

    private Optional<String> lookup(String name) {
        return Optional.ofNullable(config.get(name));
    }

    private KeyVaultClients clients() {
        if (clients == null) {
            clients = new KeyVaultClients(KeyVaultSettings.from(this::lookup));
        }
        return clients;
    }

    private FirewallAllowlister allowlister() {
        return FirewallAllowlister.create(FirewallSettings.from(this::lookup), clients(), true);
    }

    /** Same wiring, but with a different credential or transport for ARM (fault injection). */
    private FirewallAllowlister allowlister(TokenCredential credential, HttpClient http) {
        FirewallSettings s = FirewallSettings.from(this::lookup);
        return new FirewallAllowlister(s, credential, http, Optional.empty(), IpEchoClient.of(s, clients().httpClient()),
                DataPlaneProbe.listOnePage(clients().forVault(vault.vaultUrl()), Duration.ofSeconds(10)), true,
                Clock.systemUTC());
    }

    private Resolution resolve(FirewallHook hook) {
        SecretResolver resolver = new SecretResolver(clients(), clients().settings(), hook);
        return resolver.resolve(Map.of("app.db.password", new SecretReference(null, "db-password", null, false)));
    }

    private long writes() {
        return vault.journal().count("VaultPatch") + vault.journal().count("VaultPut");
    }

    @Test
    void denyWithoutRuleGetsExactlyOneRuleThenResolves() {
        Resolution r = resolve(allowlister());
        assertThat(r.successful()).as(r.failureReport()).isTrue();
        assertThat(r.values().get("app.db.password")).isEqualTo(SECRET_VALUE);
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(1);
        assertThat(vault.journal().count("VaultPut")).isZero();
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
        assertThat(vault.firewall().defaultAction()).isEqualTo("Deny");
        AllowlistResult last = KvConfigRuntime.lastAllowlisting().orElseThrow();
        assertThat(last.added()).isTrue();
        assertThat(last.alreadyPresent()).isFalse();
        assertThat(last.effective()).isTrue();
        assertThat(last.ip()).isEqualTo(IP);
        assertThat(last.vault()).isEqualTo(vault.vaultName());
        assertThat(last.error()).isNull();
        assertThat(last.toString()).doesNotContain(SECRET_VALUE);
    }

    @Test
    void logsSayWhatHappenedAndNeverASecretOrToken() {
        java.util.List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
        java.util.logging.Handler h = new java.util.logging.Handler() {
            @Override
            public void publish(java.util.logging.LogRecord r) {
                Object[] p = r.getParameters();
                String msg = r.getMessage();
                try {
                    msg = p == null ? msg : String.format(msg, p);
                } catch (RuntimeException e) {
                    msg = msg + " " + java.util.Arrays.toString(p);
                }
                lines.add(msg);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(h);
        try {
            Resolution first = resolve(allowlister());
            assertThat(first.successful()).as(first.failureReport()).isTrue();
            vault.firewall().publicNetworkAccess("Disabled");
            allowlister().allowlist();
        } finally {
            root.removeHandler(h);
        }
        String all = String.join("\n", lines);
        assertThat(all).contains("added IP rule " + IP).contains("public network access is disabled on this vault");
        assertThat(all).doesNotContain(SECRET_VALUE).doesNotContain("eyJ"); // no value, no JWT
    }

    @Test
    void secondRunAddsNothing() {
        assertThat(allowlister().allowlist().added()).isTrue();
        long patches = vault.journal().count("VaultPatch");
        AllowlistResult second = allowlister().allowlist();
        assertThat(second.ok()).isTrue();
        assertThat(second.added()).isFalse();
        assertThat(second.alreadyPresent()).isTrue();
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(patches);
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
        assertThat(resolve(allowlister()).successful()).isTrue();
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(patches);
    }

    @Test
    void existingRulesBypassAndDefaultActionAreKept() {
        vault.firewall().addIpRule("198.51.100.0/24").addIpRule("192.0.2.7");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.added()).isTrue();
        assertThat(vault.firewall().ipRules()).containsExactlyInAnyOrder("198.51.100.0/24", "192.0.2.7/32", IP + "/32");
        assertThat(vault.firewall().defaultAction()).isEqualTo("Deny");
        assertThat(vault.firewall().publicNetworkAccess()).isEqualTo("Enabled");
    }

    @Test
    void addressCoveredByACidrRuleIsNotAddedAgain() {
        vault.firewall().addIpRule("203.0.112.0/23");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.alreadyPresent()).isTrue();
        assertThat(r.message()).contains("203.0.112.0/23");
        assertThat(writes()).isZero();
        assertThat(resolve(allowlister()).successful()).isTrue();
        assertThat(writes()).isZero();
    }

    @Test
    void defaultActionAllowNeedsNoRule() {
        vault.firewall().defaultAction("Allow");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).isTrue();
        assertThat(r.added()).isFalse();
        assertThat(r.message()).contains("no rule needed");
        assertThat(writes()).isZero();
    }

    /** A vault never given network rules has no properties.networkAcls at all: public traffic, nothing to add. */
    @Test
    void vaultWithoutNetworkAclsNeedsNoRule() {
        vault.firewall().removeNetworkAcls();
        assertThat(vault.firewall().hasNetworkAcls()).isFalse();
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        assertThat(r.added()).isFalse();
        assertThat(r.message()).contains("no rule needed");
        assertThat(writes()).isZero();
        assertThat(vault.firewall().hasNetworkAcls()).isFalse();
        // and resolution through the hook works on it
        Resolution res = new SecretResolver(clients(), clients().settings(), allowlister()).resolveValues(
                Map.of("db.password", "@kv:db-password"));
        assertThat(res.successful()).as(res.failureReport()).isTrue();
    }

    /** The first rule ever on such a vault: the PATCH creates networkAcls holding only that rule. */
    @Test
    void firstRuleOnAVaultWithoutNetworkAcls() {
        vault.firewall().removeNetworkAcls().publicNetworkAccess("Disabled");
        config.put("quarkus.kvconfig.firewall.allow-public-network-access", "true");
        config.put("quarkus.kvconfig.firewall.propagation-timeout", "0S");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        assertThat(r.added()).isTrue();
        assertThat(vault.firewall().hasNetworkAcls()).isTrue();
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(1);
        assertThat(vault.journal().count("VaultPut")).isZero();
        assertThat(vault.firewall().publicNetworkAccess()).isEqualTo("Disabled");
    }

    @Test
    void publicAccessDisabledIsReportedAndNothingIsWritten() {
        vault.firewall().publicNetworkAccess("Disabled");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).isFalse();
        assertThat(r.error()).contains("public network access is disabled on this vault; an IP rule cannot help")
                .contains(FirewallSettings.ALLOW_PUBLIC_NETWORK_ACCESS);
        assertThat(writes()).isZero();
        assertThat(vault.firewall().publicNetworkAccess()).isEqualTo("Disabled");

        // through the resolver: startup error carries the reason
        Resolution res = resolve(allowlister());
        assertThat(res.successful()).isFalse();
        assertThat(res.failureReport()).contains("public network access is disabled on this vault").doesNotContain(SECRET_VALUE);
        assertThat(writes()).isZero();
    }

    @Test
    void publicAccessDisabledWithExplicitOptionAddsTheRuleButNeverEnablesAccess() {
        vault.firewall().publicNetworkAccess("Disabled");
        config.put("quarkus.kvconfig.firewall.allow-public-network-access", "true");
        config.put("quarkus.kvconfig.firewall.propagation-timeout", "0S");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).as(String.valueOf(r.error())).isTrue();
        assertThat(r.added()).isTrue();
        assertThat(r.effective()).isFalse();
        assertThat(vault.firewall().publicNetworkAccess()).isEqualTo("Disabled");
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
    }

    @Test
    void permissionDeniedOnWriteNamesTheRoleAndWritesNothing() {
        vault.arm().denyWrites(true); // ARM answers 403 AuthorizationFailed, as for a caller without a write role
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).isFalse();
        assertThat(r.error()).contains("no permission to change the firewall of vault " + vault.vaultName())
                .contains("Key Vault Contributor").contains("Microsoft.KeyVault/vaults/write").contains("HTTP 403 AuthorizationFailed");
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(1); // refused once, not retried
        assertThat(vault.journal().count("VaultGet")).isPositive(); // reads still allowed
        assertThat(vault.firewall().ipRules()).isEmpty();
        assertThat(vault.firewall().defaultAction()).isEqualTo("Deny");
    }

    @Test
    void permissionDeniedOnReadNamesTheReadPermission() {
        vault.arm().denyReads(true).denyWrites(true);
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.ok()).isFalse();
        assertThat(r.error()).contains("no permission to read vault").contains("Microsoft.KeyVault/vaults/read");
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(1);
        assertThat(writes()).isZero();
    }

    @Test
    void tokenRefusedByResourceManager() {
        TokenCredential bogus = ctx -> Mono.just(new AccessToken("not-a-dev-vault-token", OffsetDateTime.now().plusHours(1)));
        AllowlistResult r = allowlister(bogus, clients().httpClient()).allowlist();
        assertThat(r.ok()).isFalse();
        assertThat(r.error()).contains("Resource Manager refused the credential's token").contains("HTTP 401");
        assertThat(r.error()).doesNotContain("not-a-dev-vault-token");
        assertThat(writes()).isZero();
    }

    @Test
    void vaultNotFoundInTheGroup() {
        config.put("KEY_VAULT_NAME", "no-such-vault");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.error()).contains("vault no-such-vault was not found in resource group " + vault.resourceGroup());
        assertThat(writes()).isZero();
    }

    @Test
    void subscriptionIsLookedUpWhenNotConfigured() {
        config.remove("AZURE_SUBSCRIPTION_ID");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.added()).as(String.valueOf(r.error())).isTrue();
        assertThat(vault.journal().count("SubscriptionList")).isEqualTo(1);
    }

    @Test
    void vaultNotFoundInAnyVisibleSubscription() {
        config.remove("AZURE_SUBSCRIPTION_ID");
        config.put("KEY_VAULT_RG", "other-rg");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.error()).contains("was not found in resource group other-rg of any of the 1 subscription(s)")
                .contains(vault.subscriptionId());
    }

    @Test
    void echoReturningAPrivateAddressIsRefused() throws IOException {
        HttpServer echo = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        echo.createContext("/ip", ex -> {
            byte[] b = "192.168.1.20\n".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        echo.start();
        try {
            config.put("quarkus.kvconfig.firewall.ip-echo-urls", "http://127.0.0.1:" + echo.getAddress().getPort() + "/ip");
            AllowlistResult r = allowlister().allowlist();
            assertThat(r.ok()).isFalse();
            assertThat(r.error()).contains("'192.168.1.20' is not a public IPv4 address").contains("private network address");
            assertThat(writes()).isZero();
        } finally {
            echo.stop(0);
        }
    }

    @Test
    void echoDownListsTheEndpointsAndResolutionFailsWithTheReason() throws IOException {
        String a = closedPortUrl();
        String b = closedPortUrl();
        config.put("quarkus.kvconfig.firewall.ip-echo-urls", a + "," + b);
        Resolution res = resolve(allowlister());
        assertThat(res.successful()).isFalse();
        AllowlistResult last = KvConfigRuntime.lastAllowlisting().orElseThrow();
        assertThat(last.error()).contains("no IP echo service could be reached").contains(a).contains(b);
        assertThat(res.failureReport()).contains("no IP echo service could be reached");
        assertThat(writes()).isZero();
    }

    @Test
    void devAndTestModeRefuseTheDefaultResourceManager() {
        config.remove("quarkus.kvconfig.firewall.resource-manager-url");
        long before = vault.journal().total();
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.error()).contains("skipped in dev/test mode").contains("https://management.azure.com/ (the default)");
        assertThat(vault.journal().total()).isEqualTo(before);
    }

    @Test
    void offWithoutResourceGroup() {
        config.remove("KEY_VAULT_RG");
        assertThat(FirewallSettings.from(this::lookup).enabled()).isFalse();
        assertThat(allowlister().allowlist().error()).contains("allowlisting is off");
        assertThat(writes()).isZero();
    }

    @Test
    void reactivePathReaddsTheRuleAndTheRetrySucceeds() {
        FirewallAllowlister fw = allowlister();
        assertThat(resolve(fw).successful()).isTrue();
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(1);

        // the rule disappears while running; only the reactive hook may act (no beforeResolve)
        vault.firewall().removeIpRule(IP);
        FirewallHook reactiveOnly = new FirewallHook() {
            @Override
            public void beforeResolve() {
            }

            @Override
            public boolean onForbiddenByConnection(String vaultUrl) {
                return fw.onForbiddenByConnection(vaultUrl);
            }
        };
        long refusedBefore = vault.journal().count("ForbiddenByFirewall");
        Resolution r = resolve(reactiveOnly);
        assertThat(r.successful()).as(r.failureReport()).isTrue();
        assertThat(r.values().get("app.db.password")).isEqualTo(SECRET_VALUE);
        assertThat(vault.journal().count("ForbiddenByFirewall")).isGreaterThan(refusedBefore);
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(2);
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
        assertThat(KvConfigRuntime.lastAllowlisting().orElseThrow().effective()).isTrue();
    }

    @Test
    void reactiveHookIgnoresOtherVaults() {
        FirewallAllowlister fw = allowlister();
        assertThat(fw.onForbiddenByConnection("https://someone-else.vault.azure.net")).isFalse();
        assertThat(vault.journal().count("VaultGet")).isZero();
    }

    @Test
    void ruleDelayIsWaitedOutByPollingTheDataPlane() {
        vault.firewall().ruleDelay(Duration.ofMillis(700));
        long listsBefore = vault.journal().count("GetSecrets");
        AllowlistResult r = allowlister().allowlist();
        assertThat(r.added()).isTrue();
        assertThat(r.effective()).isTrue();
        // polled more than once (the first probe ran while the rule was pending)
        assertThat(vault.journal().count("GetSecrets") - listsBefore).isGreaterThan(1);
        assertThat(vault.firewall().effectiveIpRules()).containsExactly(IP + "/32");
    }

    @Test
    void concurrentRemovalOfOurRuleIsDetectedAndTheWriteRetried() {
        AtomicBoolean sabotaged = new AtomicBoolean();
        HttpClient sabotage = request -> clients().httpClient().send(request).doOnNext(resp -> {
            if (request.getHttpMethod() == HttpMethod.PATCH && sabotaged.compareAndSet(false, true)) {
                vault.firewall().removeIpRule(IP); // another writer replaced networkAcls right after ours
            }
        });
        AllowlistResult r = allowlister(clients().credential(), sabotage).allowlist();
        assertThat(r.added()).as(String.valueOf(r.error())).isTrue();
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(2);
        assertThat(vault.firewall().ipRules()).containsExactly(IP + "/32");
    }

    @Test
    void ruleThatKeepsDisappearingGivesUpWithAClearError() {
        HttpClient sabotage = request -> clients().httpClient().send(request).doOnNext(resp -> {
            if (request.getHttpMethod() == HttpMethod.PATCH) {
                vault.firewall().removeIpRule(IP);
            }
        });
        AllowlistResult r = allowlister(clients().credential(), sabotage).allowlist();
        assertThat(r.error()).contains("disappeared after each of " + FirewallAllowlister.MAX_WRITE_ATTEMPTS + " writes");
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(FirewallAllowlister.MAX_WRITE_ATTEMPTS);
    }

    @Test
    void patchCarriesOnlyNetworkAcls() {
        HttpClient capture = request -> {
            if (request.getHttpMethod() == HttpMethod.PATCH) {
                String body = request.getBodyAsBinaryData().toString();
                assertThat(body).contains("\"networkAcls\"").contains("\"defaultAction\":\"Deny\"")
                        .contains("\"value\":\"" + IP + "\"")
                        .doesNotContain("publicNetworkAccess").doesNotContain("accessPolicies").doesNotContain("\"sku\"")
                        .doesNotContain("tenantId");
            }
            return clients().httpClient().send(request);
        };
        assertThat(allowlister(clients().credential(), capture).allowlist().added()).isTrue();
    }

    private static String closedPortUrl() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return "http://127.0.0.1:" + s.getLocalPort() + "/ip";
        }
    }
}
