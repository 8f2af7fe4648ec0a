package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A resource group the app sets itself ({@code KEY_VAULT_RG}) wins over the Dev Service's: allowlisting runs with it
 * (and fails, the dev vault has no such group, naming it), and the firewall keeps the default action Allow, so the
 * app still starts and resolves.
 */
class DevServicesAllowlistingUserGroupTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DevServicesAllowlistingUserGroupTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.allowlisting", "true")
            .overrideConfigKey("KEY_VAULT_RG", "users-own-group")
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.user-group", "user-group-value")
            .overrideConfigKey("app.secret", "@kv:user-group");

    @ConfigProperty(name = "app.secret")
    String secret;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.resource-group")
    String resourceGroup;
    @Inject
    KeyVault keyVault;

    @Test
    void theUsersResourceGroupIsUsed() {
        assertThat(resourceGroup).isEqualTo("users-own-group");
        assertThat(secret).isEqualTo("user-group-value");
        assertThat(keyVault.lastAllowlisting()).hasValueSatisfying(r -> {
            assertThat(r.ok()).isFalse();
            assertThat(r.error()).contains("users-own-group");
        });
    }
}
