package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/** {@code quarkus.kvconfig.enabled=false}: nothing is resolved or started; a reference stays literal text. */
class DisabledTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DisabledTest.class))
            .overrideConfigKey("quarkus.kvconfig.enabled", "false")
            .overrideConfigKey("app.token", "@kv:never-resolved");

    @ConfigProperty(name = "app.token")
    String token;
    @Inject
    KeyVault keyVault;

    @Test
    void referencesStayLiteral() {
        assertThat(token).isEqualTo("@kv:never-resolved");
        assertThat(keyVault.references()).isEmpty();
        assertThat(keyVault.configured()).as("no Dev Service either").isFalse();
    }
}
