package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * No vault configured in test mode: the Dev Service starts the dev vault, seeds it from config, and points the
 * extension (and the firewall settings) at it, with no setup.
 */
class DevServicesTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(DevServicesTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.ds-greeting", "ds-greeting-value")
            .overrideConfigKey("app.greeting", "@kv:ds-greeting");

    @ConfigProperty(name = "app.greeting")
    String greeting;
    @ConfigProperty(name = "quarkus.kvconfig.url")
    String url;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.resource-manager-url")
    String resourceManagerUrl;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.ip-echo-urls")
    String ipEchoUrls;
    @ConfigProperty(name = "kvconfig.dev-vault.resource-group")
    String resourceGroup;
    @Inject
    KeyVault keyVault;

    @Test
    void seededSecretResolves() {
        assertThat(greeting).isEqualTo("ds-greeting-value");
        assertThat(url).startsWith("https://localhost:");
        assertThat(keyVault.configured()).isTrue();
        assertThat(keyVault.vaultUrl()).contains(url);
    }

    @Test
    void firewallEndpointsPointAtTheDevVault() {
        assertThat(resourceManagerUrl).startsWith(url).endsWith("/");
        assertThat(ipEchoUrls).isEqualTo(url + "/ip");
        assertThat(resourceGroup).isNotBlank();
        // in test mode allowlisting is off by default (quarkus.kvconfig.devservices.allowlisting): no resource group
        assertThat(ConfigProvider.getConfig().getOptionalValue("quarkus.kvconfig.firewall.resource-group", String.class))
                .isEmpty();
        assertThat(keyVault.lastAllowlisting()).isEmpty();
    }

    @Test
    void appCanWriteToTheDevVault() {
        keyVault.secrets().setSecret("ds-written", "ds-written-value").block(Duration.ofSeconds(10));
        assertThat(keyVault.secrets().getSecret("ds-written").block(Duration.ofSeconds(10)).getValue())
                .isEqualTo("ds-written-value");
    }
}
