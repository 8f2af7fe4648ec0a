package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.credential.TokenCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.models.IpRule;
import com.azure.resourcemanager.keyvault.models.NetworkRuleAction;
import com.azure.resourcemanager.keyvault.models.NetworkRuleSet;
import com.azure.resourcemanager.keyvault.models.Vault;
import com.azure.resourcemanager.keyvault.models.VaultPatchParameters;
import com.azure.resourcemanager.keyvault.models.VaultPatchProperties;
import com.fasterxml.jackson.databind.JsonNode;

/** ARM refuses a caller without the role, as the real KeyVaultManager sees it. */
class ArmAccessTest {
    private DevVault vault;
    private KeyVaultManager manager;

    @BeforeEach
    void start() {
        vault = DevVault.builder().build().start();
        vault.firewall().defaultAction("Deny");
        HttpClient http = Sdk.httpClient(vault);
        TokenCredential credential = Sdk.appServiceCredential(vault, http);
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", vault.resourceManagerUrl());
        AzureProfile profile = new AzureProfile(vault.tenantId(), vault.subscriptionId(), new AzureEnvironment(endpoints));
        manager = KeyVaultManager.configure().withHttpClient(http).withRetryOptions(Sdk.fastRetries(1))
                .authenticate(credential, profile);
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private String expectedMessage(String action) {
        String oid = vault.tokens().objectId();
        return "The client '" + oid + "' with object id '" + oid + "' does not have authorization to perform action '"
                + action + "' over scope '" + vault.vaultResourceId() + "' or the scope is invalid. If access was"
                + " recently granted, please refresh your credentials.";
    }

    private static void assertAuthorizationFailed(Throwable t, String message) {
        assertThat(t).isInstanceOfSatisfying(ManagementException.class, e -> {
            assertThat(e.getResponse().getStatusCode()).isEqualTo(403);
            assertThat(e.getValue().getCode()).isEqualTo("AuthorizationFailed");
            assertThat(e.getValue().getMessage()).isEqualTo(message);
        });
    }

    @Test
    void deniedWritesKeepReadsWorkingAndChangeNothing() {
        vault.arm().denyWrites(true);
        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(v.networkRuleSet().defaultAction()).isEqualTo(NetworkRuleAction.DENY);

        // the fluent update: GET then PUT of the whole vault
        Throwable put = org.assertj.core.api.Assertions.catchThrowable(
                () -> v.update().withAccessFromIpAddress(vault.publicIp()).apply());
        assertAuthorizationFailed(put, expectedMessage("Microsoft.KeyVault/vaults/write"));

        // PATCH through the generated client
        VaultPatchParameters patch = new VaultPatchParameters().withProperties(new VaultPatchProperties()
                .withNetworkAcls(new NetworkRuleSet().withDefaultAction(NetworkRuleAction.DENY)
                        .withIpRules(List.of(new IpRule().withValue(vault.publicIp())))));
        Throwable patched = org.assertj.core.api.Assertions.catchThrowable(() -> manager.serviceClient().getVaults()
                .update(vault.resourceGroup(), vault.vaultName(), patch));
        assertAuthorizationFailed(patched, expectedMessage("Microsoft.KeyVault/vaults/write"));

        assertThat(vault.firewall().ipRules()).isEmpty();
        assertThat(vault.journal().count("VaultPut")).isEqualTo(1);
        assertThat(vault.journal().count("VaultPatch")).isEqualTo(1);
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(2);
        assertThat(vault.journal().count("VaultGet")).isGreaterThanOrEqualTo(1);
        assertThat(vault.journal().entries()).filteredOn(e -> e.status() == 403).extracting(Journal.Entry::operation)
                .containsExactly("VaultPut", "VaultPatch");

        // granting the role again lets the same write through
        vault.arm().denyWrites(false);
        manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName()).update()
                .withAccessFromIpAddress(vault.publicIp()).apply();
        assertThat(vault.firewall().ipRules()).containsExactly(vault.publicIp() + "/32");
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(2);
    }

    @Test
    void deniedReadsNameTheReadAction() {
        vault.arm().denyReads(true);
        Throwable get = org.assertj.core.api.Assertions.catchThrowable(
                () -> manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName()));
        assertAuthorizationFailed(get, expectedMessage("Microsoft.KeyVault/vaults/read"));
        assertThat(vault.journal().count("VaultGet")).isEqualTo(1);
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(1);
        assertThat(vault.arm().deniesReads()).isTrue();
        assertThat(vault.arm().deniesWrites()).isFalse();
    }

    @Test
    void wireShapeIsArmsAndAuthorizationComesBeforeTheNameCheck() throws Exception {
        vault.arm().denyWrites(true).denyReads(true);
        Raw raw = new Raw(vault);
        HttpResponse<String> resp = raw.send("PATCH", vault.vaultResourceId() + "?api-version=2025-05-01",
                raw.armToken(), "{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Allow\"}}}");
        assertThat(resp.statusCode()).isEqualTo(403);
        JsonNode body = Raw.JSON.readTree(resp.body());
        assertThat(body.fieldNames()).toIterable().containsExactly("error");
        assertThat(body.get("error").fieldNames()).toIterable().containsExactly("code", "message");
        assertThat(body.at("/error/code").asText()).isEqualTo("AuthorizationFailed");
        assertThat(body.at("/error/message").asText()).isEqualTo(expectedMessage("Microsoft.KeyVault/vaults/write"));
        assertThat(vault.firewall().defaultAction()).isEqualTo("Deny");

        // ARM checks the role on the scope asked for, before the resource provider looks the vault up
        String other = "/subscriptions/" + vault.subscriptionId() + "/resourceGroups/" + vault.resourceGroup()
                + "/providers/Microsoft.KeyVault/vaults/no-such-vault";
        HttpResponse<String> missing = raw.send("GET", other + "?api-version=2025-05-01", raw.armToken(), null);
        assertThat(missing.statusCode()).isEqualTo(403);
        assertThat(Raw.JSON.readTree(missing.body()).at("/error/message").asText())
                .contains("'Microsoft.KeyVault/vaults/read' over scope '" + other + "'");

        // still authentication first: no token is 401, not 403
        HttpResponse<String> anonymous = raw.send("GET", vault.vaultResourceId() + "?api-version=2025-05-01", null, null);
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(vault.journal().count("AuthorizationFailed")).isEqualTo(2);

        vault.arm().allowAll();
        assertThat(raw.send("GET", vault.vaultResourceId() + "?api-version=2025-05-01", raw.armToken(), null)
                .statusCode()).isEqualTo(200);
    }
}
