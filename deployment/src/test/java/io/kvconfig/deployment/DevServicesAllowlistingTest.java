package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * {@code quarkus.kvconfig.devservices.allowlisting=true} (the dev-mode default, see DevModeReloadTest) with nothing
 * else: the Dev Service sets the resource group as KEY_VAULT_RG would, its vault's firewall denies by default, and
 * startup allowlists this machine through the dev vault's Resource Manager before it resolves.
 */
class DevServicesAllowlistingTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DevServicesAllowlistingTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.allowlisting", "true")
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.allowlisted", "allowlisted-value")
            .overrideConfigKey("app.secret", "@kv:allowlisted");

    @ConfigProperty(name = "app.secret")
    String secret;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.resource-group")
    String resourceGroup;
    @ConfigProperty(name = "kvconfig.dev-vault.resource-group")
    String devVaultResourceGroup;
    @Inject
    KeyVault keyVault;

    @Test
    void allowlistedThroughTheDevVaultThenResolved() {
        assertThat(resourceGroup).isEqualTo(devVaultResourceGroup);
        assertThat(secret).isEqualTo("allowlisted-value");
        assertThat(keyVault.lastAllowlisting()).hasValueSatisfying(r -> {
            assertThat(r.ok()).as(r.message()).isTrue();
            assertThat(r.ip()).isEqualTo("203.0.113.10");
            // added, not "allows public traffic": the dev vault's firewall denied by default
            assertThat(r.added()).as(r.message()).isTrue();
        });
    }
}
