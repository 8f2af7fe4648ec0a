package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.SecretKeys;
import io.smallrye.config.SmallRyeConfig;

/**
 * Resolved values are SmallRye secret keys: not listed, refused to programmatic reads, but injected into
 * {@code @ConfigProperty} and {@code @ConfigMapping}; a plain property is untouched.
 */
class SecretKeysTest {

    static final Vault VAULT = TestVaults.shared("secret-keys", b -> b.secret("sk-password", "sk-password-value"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(SecretKeysTest.class, Creds.class, TestVaults.class, Vault.class))
            .overrideConfigKey("creds.password", "@kv:sk-password")
            .overrideConfigKey("creds.user", "plain-user");

    @ConfigMapping(prefix = "creds")
    interface Creds {
        String password();

        String user();
    }

    @ConfigProperty(name = "creds.password")
    String injected;
    @Inject
    Creds creds;
    @Inject
    SmallRyeConfig config;

    @Test
    void injectionStillWorks() {
        assertThat(injected).isEqualTo("sk-password-value");
        assertThat(creds.password()).isEqualTo("sk-password-value");
        assertThat(creds.user()).isEqualTo("plain-user");
    }

    @Test
    void hiddenFromListingsAndProgrammaticReads() {
        List<String> names = new ArrayList<>();
        config.getPropertyNames().forEach(names::add); // SmallRye's name iterable is single-use
        assertThat(names).contains("creds.user").doesNotContain("creds.password");
        assertThatThrownBy(() -> config.getConfigValue("creds.password")).isInstanceOf(SecurityException.class);
        assertThatThrownBy(() -> config.getValue("creds.password", String.class)).isInstanceOf(SecurityException.class);
        assertThat(creds.toString()).doesNotContain("sk-password-value");
    }

    @Test
    void readableWhenExplicitlyUnlocked() {
        assertThat(SecretKeys.doUnlocked(() -> config.getValue("creds.password", String.class))).isEqualTo("sk-password-value");
        assertThat(SecretKeys.doUnlocked(() -> config.getConfigValue("creds.password").getRawValue()))
                .isEqualTo("@kv:sk-password");
    }
}
