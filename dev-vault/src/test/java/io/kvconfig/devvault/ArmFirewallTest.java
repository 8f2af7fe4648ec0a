package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.models.NetworkRuleAction;
import com.azure.resourcemanager.keyvault.models.Vault;
import com.azure.security.keyvault.secrets.SecretClient;

/** The real KeyVaultManager reads the vault resource and adds an IP rule; the data plane follows after the delay. */
class ArmFirewallTest {
    private DevVault vault;
    private KeyVaultManager manager;
    private SecretClient secrets;

    @BeforeEach
    void start() {
        vault = DevVault.builder().ruleDelay(Duration.ofSeconds(3)).build().start();
        vault.setSecret("db-password", "arm-test-value");
        HttpClient http = Sdk.httpClient(vault);
        TokenCredential credential = Sdk.appServiceCredential(vault, http);
        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", vault.resourceManagerUrl());
        AzureProfile profile = new AzureProfile(vault.tenantId(), vault.subscriptionId(), new AzureEnvironment(endpoints));
        manager = KeyVaultManager.configure().withHttpClient(http).withRetryOptions(Sdk.fastRetries(1))
                .authenticate(credential, profile);
        // no SDK retries on the data plane: each 403 is one request
        secrets = Sdk.builder(vault, credential, http, 0).buildClient();
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void keyVaultManagerReadsTheVaultResource() {
        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(v.id()).isEqualTo(vault.vaultResourceId());
        assertThat(v.name()).isEqualTo(vault.vaultName());
        assertThat(v.vaultUri()).isEqualTo(vault.vaultUrl() + "/");
        assertThat(v.tenantId()).isEqualTo(vault.tenantId());
        assertThat(v.networkRuleSet().defaultAction()).isEqualTo(NetworkRuleAction.ALLOW);
        assertThat(v.networkRuleSet().ipRules()).isEmpty();
        assertThat(vault.journal().count("VaultGet")).isEqualTo(1);
        assertThat(vault.journal().count("Unauthorized")).isZero();
        assertThat(manager.vaults().listByResourceGroup(vault.resourceGroup()).stream().map(Vault::name))
                .containsExactly(vault.vaultName());
        assertThat(manager.vaults().getById(vault.vaultResourceId()).name()).isEqualTo(vault.vaultName());
    }

    @Test
    void addingAnIpRuleAdmitsTheCallerOnlyAfterTheRuleDelay() {
        vault.firewall().defaultAction("Deny");
        assertForbiddenByFirewall();

        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        v.update().withAccessFromIpAddress(vault.publicIp()).apply();

        // ARM shows the rule at once (as Azure does, normalized to /32) ...
        Vault after = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(after.networkRuleSet().ipRules()).extracting(r -> r.value()).containsExactly(vault.publicIp() + "/32");
        assertThat(after.networkRuleSet().defaultAction()).isEqualTo(NetworkRuleAction.DENY);
        assertThat(vault.firewall().ipRules()).containsExactly(vault.publicIp() + "/32");
        assertThat(vault.journal().count("VaultPut") + vault.journal().count("VaultPatch")).isEqualTo(1);
        // ... but the data plane enforces it only after the rule delay
        long deniedBefore = vault.journal().count("ForbiddenByFirewall");
        assertForbiddenByFirewall();
        assertThat(vault.journal().count("ForbiddenByFirewall")).isEqualTo(deniedBefore + 1);

        awaitAdmitted();
        assertThat(secrets.getSecret("db-password").getValue()).isEqualTo("arm-test-value");
    }

    @Test
    void cidrRulesAdmitAndPrivateRangesAreRefused() {
        vault.firewall().defaultAction("Deny").ruleDelay(Duration.ZERO);
        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        v.update().withAccessFromIpAddressRange("203.0.113.0/24").apply();
        assertThat(secrets.getSecret("db-password").getValue()).isEqualTo("arm-test-value");

        Vault current = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThatThrownBy(() -> current.update().withAccessFromIpAddressRange("10.0.0.0/8").apply())
                .isInstanceOf(ManagementException.class)
                .hasMessageContaining("Invalid value found at properties.networkAcls.ipRules")
                .hasMessageContaining("forbidden range");
        assertThat(vault.firewall().ipRules()).containsExactly("203.0.113.0/24");
    }

    @Test
    void publicNetworkAccessDisabledBlocksEveryone() {
        vault.firewall().addIpRule(vault.publicIp()).publicNetworkAccess("Disabled");
        assertThatThrownBy(() -> secrets.getSecret("db-password"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("Public network access is disabled")
                            .contains("ForbiddenByConnection").doesNotContain("arm-test-value");
                });
        assertThat(vault.journal().count("ForbiddenByConnection")).isEqualTo(1);
        Vault v = manager.vaults().getByResourceGroup(vault.resourceGroup(), vault.vaultName());
        assertThat(v.innerModel().properties().publicNetworkAccess()).isEqualTo("Disabled");
    }

    private void assertForbiddenByFirewall() {
        assertThatThrownBy(() -> secrets.getSecret("db-password"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(403);
                    assertThat(e.getMessage())
                            .contains("Client address is not authorized and caller is not a trusted service")
                            .contains("Client address: " + vault.publicIp())
                            .contains("ForbiddenByFirewall");
                });
    }

    private void awaitAdmitted() {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!vault.firewall().admits(vault.publicIp())) {
            assertThat(System.nanoTime()).as("rule applied within 20 s").isLessThan(deadline);
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }
}
