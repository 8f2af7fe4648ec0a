package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.SmallRyeConfig;

/**
 * References in application.yaml (quarkus-config-yaml), read through @ConfigProperty and a @ConfigMapping; with
 * hide-resolved-values=false the names stay listed.
 */
class YamlReferencesTest {

    static final Vault VAULT = TestVaults.shared("yaml", b -> b
            .secret("yaml-db-password", "yaml-db-password-value")
            .secret("yaml-api-key", "yaml-api-key-value"));

    static final String YAML = """
            quarkus:
              kvconfig:
                url: "%s/"   # same vault as the test config, with a trailing slash (YAML wins: ordinal 255)
                hide-resolved-values: false
            db:
              password: "@kv:yaml-db-password"
              user: plain-user
            api:
              key: "@kv:yaml-api-key"
              keys:
                - "@kv:yaml-api-key"
                - literal
            """.formatted(VAULT.vaultUrl());

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(YamlReferencesTest.class, Db.class, TestVaults.class, Vault.class)
                    .addAsResource(new StringAsset(YAML), "application.yaml"));

    @ConfigMapping(prefix = "db")
    interface Db {
        String password();

        String user();
    }

    @Inject
    Db db;
    @ConfigProperty(name = "api.key")
    String apiKey;
    @ConfigProperty(name = "api.keys")
    List<String> apiKeys;
    @Inject
    SmallRyeConfig config;

    @Test
    void yamlValuesResolve() {
        assertThat(db.password()).isEqualTo("yaml-db-password-value");
        assertThat(db.user()).isEqualTo("plain-user");
        assertThat(apiKey).isEqualTo("yaml-api-key-value");
        assertThat(apiKeys).containsExactly("yaml-api-key-value", "literal");
    }

    @Test
    void notHiddenWhenDisabled() {
        List<String> names = new java.util.ArrayList<>();
        config.getPropertyNames().forEach(names::add);
        assertThat(names).contains("db.password");
        assertThat(config.getConfigValue("db.password").getValue()).isEqualTo("yaml-db-password-value");
        assertThat(config.getConfigValue("db.password").getRawValue()).isEqualTo("@kv:yaml-db-password");
    }
}
