package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.models.IpRule;
import com.azure.resourcemanager.keyvault.models.NetworkRuleSet;
import com.azure.resourcemanager.keyvault.models.Vault;
import com.azure.resourcemanager.keyvault.models.VaultPatchParameters;
import com.azure.resourcemanager.keyvault.models.VaultPatchProperties;
import com.azure.security.keyvault.secrets.SecretClient;
import com.fasterxml.jackson.databind.JsonNode;

/** Resource Manager behaviours of the vault resource (issue 15 items 9-13), through KeyVaultManager or plain HTTPS. */
class ArmFidelityTest {
    @TempDir
    Path dir;
    private DevVault vault;
    private KeyVaultManager manager;
    private SecretClient secrets;

    private void start(DevVault.Builder b) {
        vault = b.build().start();
        vault.setSecret("db-password", "arm-fidelity-value");
        HttpClient http = Sdk.httpClient(vault);
        TokenCredential credential = Sdk.appServiceCredential(vault, http);
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", vault.resourceManagerUrl());
        AzureProfile profile = new AzureProfile(vault.tenantId(), vault.subscriptionId(), new AzureEnvironment(endpoints));
        manager = KeyVaultManager.configure().withHttpClient(http).withRetryOptions(Sdk.fastRetries(1))
                .authenticate(credential, profile);
        secrets = Sdk.builder(vault, credential, http, 0).buildClient();
    }

    @AfterEach
    void stop() {
        if (vault != null) {
            vault.close();
        }
    }

    private HttpResponse<String> arm(String method, String body) {
        Raw raw = new Raw(vault);
        return raw.send(method, vault.vaultResourceId() + "?api-version=2025-05-01", raw.armToken(), body);
    }

    @Test
    void aVaultNeverGivenNetworkRulesHasNoNetworkAcls() {
        start(DevVault.builder().noNetworkAcls(true));
        assertThat(vault.firewall().hasNetworkAcls()).isFalse();
        JsonNode props = Raw.json(arm("GET", null)).path("properties");
        assertThat(props.has("networkAcls")).as("no networkAcls key at all").isFalse();
        assertThat(props.path("publicNetworkAccess").asText()).isEqualTo("Enabled");

        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(v.networkRuleSet()).isNull();
        assertThat(v.innerModel().properties().networkAcls()).isNull();
        // no rules: every address gets through
        assertThat(secrets.getSecret("db-password").getValue()).isEqualTo("arm-fidelity-value");

        // a trap for code on such a vault: the SDK's fluent update dereferences the missing rule set
        assertThatThrownBy(() -> v.update().withAccessFromIpAddress(vault.publicIp()).apply())
                .isInstanceOf(NullPointerException.class);
        assertThat(vault.journal().count("VaultPut") + vault.journal().count("VaultPatch")).isZero();

        // the first rule written through ARM (a PATCH, as the extension's allowlisting does) gives it networkAcls
        manager.serviceClient().getVaults().update(vault.resourceGroup(), vault.vaultName(), new VaultPatchParameters()
                .withProperties(new VaultPatchProperties().withNetworkAcls(new NetworkRuleSet()
                        .withIpRules(List.of(new IpRule().withValue(vault.publicIp()))))));
        Vault after = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(after.networkRuleSet()).isNotNull();
        assertThat(after.networkRuleSet().ipRules()).extracting(IpRule::value).containsExactly(vault.publicIp() + "/32");
        assertThat(after.networkRuleSet().defaultAction()).as("the PATCH named none: Allow").isEqualTo(
                com.azure.resourcemanager.keyvault.models.NetworkRuleAction.ALLOW);
        assertThat(vault.firewall().hasNetworkAcls()).isTrue();
    }

    @Test
    void aPutWithoutNetworkAclsLeavesThemNull() {
        start(DevVault.builder());
        assertThat(Raw.json(arm("GET", null)).path("properties").path("networkAcls").isObject())
                .as("by default the vault has networkAcls").isTrue();
        vault.firewall().defaultAction("Deny").addIpRule(vault.publicIp());
        HttpResponse<String> put = arm("PUT", "{\"location\":\"" + vault.location() + "\",\"properties\":{"
                + "\"tenantId\":\"" + vault.tenantId() + "\",\"sku\":{\"family\":\"A\",\"name\":\"standard\"}}}");
        assertThat(put.statusCode()).isEqualTo(200);
        JsonNode props = Raw.json(arm("GET", null)).path("properties");
        assertThat(props.has("networkAcls")).isTrue();
        assertThat(props.get("networkAcls").isNull()).isTrue();
        assertThat(manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName()).networkRuleSet())
                .isNull();
        assertThat(vault.firewall().hasNetworkAcls()).isFalse();
        assertThat(vault.firewall().admits("198.51.100.99")).isTrue();

        // and the Java API can make any vault one without rules, for a test that needs it
        vault.firewall().defaultAction("Deny");
        assertThat(vault.firewall().hasNetworkAcls()).isTrue();
        vault.firewall().removeNetworkAcls();
        assertThat(Raw.json(arm("GET", null)).path("properties").has("networkAcls")).isFalse();
    }

    @Test
    void noNetworkAclsSurvivesARestartAndDefaultActionGivesRules() {
        Path state = dir.resolve("state.json");
        try (DevVault v = DevVault.builder().stateFile(state).noNetworkAcls(true).build().start()) {
            assertThat(v.firewall().hasNetworkAcls()).isFalse();
        }
        try (DevVault v = DevVault.builder().stateFile(state).build().start()) {
            assertThat(v.firewall().hasNetworkAcls()).isFalse();
        }
        try (DevVault v = DevVault.builder().noNetworkAcls(true).defaultAction("Deny").build().start()) {
            assertThat(v.firewall().hasNetworkAcls()).isTrue();
            assertThat(v.firewall().defaultAction()).isEqualTo("Deny");
        }
    }

    @Test
    void duplicateIpRulesAreKeptAndOnlyRangesInsideAPrivateRangeAreRefused() {
        start(DevVault.builder());
        HttpResponse<String> patched = arm("PATCH", "{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\","
                + "\"ipRules\":[{\"value\":\"1.2.3.4\"},{\"value\":\"1.2.3.4/32\"},{\"value\":\"0.0.0.0/0\"}]}}}");
        assertThat(patched.statusCode()).isEqualTo(200);
        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(v.networkRuleSet().ipRules()).extracting(IpRule::value)
                .containsExactly("1.2.3.4/32", "1.2.3.4/32", "0.0.0.0/0");
        assertThat(vault.firewall().ipRules()).hasSize(3);
        // 0.0.0.0/0 admits everyone, the caller included
        assertThat(secrets.getSecret("db-password").getValue()).isEqualTo("arm-fidelity-value");

        // a range spanning a private one is fine; one inside a private range is not
        v.update().withAccessFromIpAddressRange("8.0.0.0/5").apply();
        Vault current = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThatThrownBy(() -> current.update().withAccessFromIpAddressRange("10.1.0.0/16").apply())
                .isInstanceOfSatisfying(ManagementException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(400);
                    assertThat(e.getMessage()).contains("belongs to forbidden range 10.0.0.0");
                });
        assertThat(vault.firewall().ipRules()).contains("8.0.0.0/5").doesNotContain("10.1.0.0/16");
    }

    @Test
    void anUnsupportedApiVersionIsNoRegisteredProviderFound() {
        start(DevVault.builder());
        Raw raw = new Raw(vault);
        HttpResponse<String> r = raw.send("GET", vault.vaultResourceId() + "?api-version=2099-01-01", raw.armToken(),
                null);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Raw.errorCode(r)).isEqualTo("NoRegisteredProviderFound");
        assertThat(Raw.json(r).at("/error/message").asText())
                .startsWith("No registered resource provider found for location '" + vault.location()
                        + "' and API version '2099-01-01' for type 'vaults'. The supported api-versions are '")
                .contains("2025-05-01").contains("The supported locations are '");
        // a malformed one is still ARM's InvalidApiVersionParameter
        assertThat(Raw.errorCode(raw.send("GET", vault.vaultResourceId() + "?api-version=latest", raw.armToken(),
                null))).isEqualTo("InvalidApiVersionParameter");
    }

    @Test
    void withoutReadPermissionForbiddenComesBeforeNotFound() {
        start(DevVault.builder());
        Raw raw = new Raw(vault);
        String otherGroup = "/subscriptions/" + vault.subscriptionId() + "/resourceGroups/no-such-group"
                + "/providers/Microsoft.KeyVault/vaults/" + vault.vaultName();
        assertThat(Raw.errorCode(raw.send("GET", otherGroup + "?api-version=2025-05-01", raw.armToken(), null)))
                .as("with the role: the group's absence shows").isEqualTo("ResourceGroupNotFound");

        vault.arm().denyReads(true);
        HttpResponse<String> r = raw.send("GET", otherGroup + "?api-version=2025-05-01", raw.armToken(), null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Raw.errorCode(r)).isEqualTo("AuthorizationFailed");
        assertThat(Raw.json(r).at("/error/message").asText()).contains("over scope '" + otherGroup + "'");
        Throwable sdk = org.assertj.core.api.Assertions.catchThrowable(
                () -> manager.vaults().getByResourceGroup("no-such-group", vault.vaultName()));
        assertThat(sdk).isInstanceOfSatisfying(ManagementException.class,
                e -> assertThat(e.getValue().getCode()).isEqualTo("AuthorizationFailed"));
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(2);
    }

    @Test
    void armAnswersCarryCorrelationRoutingAndRateLimitHeaders() {
        start(DevVault.builder());
        Raw raw = new Raw(vault);
        String url = vault.vaultUrl() + vault.vaultResourceId() + "?api-version=2025-05-01";
        HttpResponse<String> first = raw.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + raw.armToken())
                .header("x-ms-correlation-request-id", "6b1e2a4c-0000-4000-8000-000000000001").GET().build());
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("x-ms-correlation-request-id"))
                .contains("6b1e2a4c-0000-4000-8000-000000000001");
        assertThat(first.headers().firstValue("x-ms-routing-request-id").orElseThrow())
                .matches(vault.location().toUpperCase() + ":\\d{8}T\\d{6}Z:6b1e2a4c-0000-4000-8000-000000000001");
        int reads = Integer.parseInt(first.headers().firstValue("x-ms-ratelimit-remaining-subscription-reads")
                .orElseThrow());
        assertThat(first.headers().firstValue("x-ms-ratelimit-remaining-subscription-writes")).isEmpty();

        HttpResponse<String> second = arm("GET", null);
        assertThat(second.headers().firstValue("x-ms-correlation-request-id").orElseThrow())
                .matches("[0-9a-f-]{36}").isNotEqualTo("6b1e2a4c-0000-4000-8000-000000000001");
        assertThat(Integer.parseInt(second.headers().firstValue("x-ms-ratelimit-remaining-subscription-reads")
                .orElseThrow())).isEqualTo(reads - 1);

        HttpResponse<String> write = arm("PATCH", "{\"tags\":{\"a\":\"b\"}}");
        assertThat(write.statusCode()).isEqualTo(200);
        assertThat(write.headers().firstValue("x-ms-ratelimit-remaining-subscription-writes")).isPresent();
        // errors carry them too
        HttpResponse<String> denied = new Raw(vault).send("GET", vault.vaultResourceId() + "?api-version=2099-01-01",
                raw.armToken(), null);
        assertThat(denied.headers().firstValue("x-ms-correlation-request-id")).isPresent();
        for (HttpResponse<String> r : List.of(first, second, write, denied)) {
            assertThat(r.headers().firstValue("x-ms-routing-request-id")).isPresent();
        }
    }
}
