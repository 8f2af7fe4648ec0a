package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.config.ConfigValue;
import io.smallrye.config.SecretKeys;
import io.smallrye.config.SmallRyeConfig;

/**
 * A reference in a system property ({@code -Dkvtest.sysprop.token=@kv:...}) is resolved like any other config source:
 * the app gets the secret, the value comes from the system-property source, and the system property itself keeps the
 * reference.
 */
class SystemPropertyReferenceTest {

    static final String PROPERTY = "kvtest.sysprop.token";
    static final Vault VAULT = TestVaults.shared("sysprop", b -> b.secret("sysprop-token", "sysprop-token-value-1"));
    static {
        // as -D on the command line: set before the application starts
        System.setProperty(PROPERTY, "@kv:sysprop-token");
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(SystemPropertyReferenceTest.class, TestVaults.class, Vault.class));

    @ConfigProperty(name = PROPERTY)
    String token;

    @Inject
    SmallRyeConfig config;

    @AfterAll
    static void clear() {
        System.clearProperty(PROPERTY);
    }

    @Test
    void systemPropertyReferenceIsResolved() {
        assertThat(token).isEqualTo("sysprop-token-value-1");
        ConfigValue value = SecretKeys.doUnlocked(() -> config.getConfigValue(PROPERTY));
        assertThat(value.getValue()).isEqualTo("sysprop-token-value-1");
        assertThat(value.getSourceName()).contains("SysPropConfigSource");
        assertThat(System.getProperty(PROPERTY)).isEqualTo("@kv:sysprop-token");
        assertThat(VAULT.count("GetSecret")).isEqualTo(1);
    }
}
