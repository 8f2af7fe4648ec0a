package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KvConfigRuntime;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The Dev Service's vault denies by default; with only the resource group set, startup allowlists this machine
 * through the dev vault's emulated Resource Manager (URL, vault name, subscription and IP echo all come from the
 * Dev Service), then resolves.
 */
class DevServicesFirewallTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DevServicesFirewallTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.state-file", "target/ds-firewall-" + UUID.randomUUID() + "/state.json")
            .overrideConfigKey("quarkus.kvconfig.devservices.firewall-default-action", "Deny")
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.fw-ds-secret", "fw-ds-value")
            .overrideConfigKey("quarkus.kvconfig.firewall.resource-group", "${kvconfig.dev-vault.resource-group}")
            .overrideConfigKey("app.secret", "@kv:fw-ds-secret");

    @ConfigProperty(name = "app.secret")
    String secret;

    @Test
    void allowlistedThenResolved() {
        assertThat(secret).isEqualTo("fw-ds-value");
        assertThat(KvConfigRuntime.lastAllowlisting()).hasValueSatisfying(r -> {
            assertThat(r.ok()).isTrue();
            assertThat(r.ip()).isEqualTo("203.0.113.10");
            assertThat(r.added()).isTrue();
        });
    }
}
