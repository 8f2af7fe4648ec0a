package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/** Every reference form in application.properties resolves; 6 references to 4 secrets cost 4 GETs and 1 token. */
class PropertiesReferencesTest {

    static final Vault VAULT = TestVaults.shared("properties", b -> b
            .secret("props-plain", "props-plain-value-1")
            .secret("props-shared", "props-shared-value-2"));
    static final String PINNED_VERSION = VAULT.setSecret("props-pinned", "props-pinned-old-3");
    static {
        VAULT.setSecret("props-pinned", "props-pinned-new-4");
        VAULT.setSecret("props-full", "props-full-value-5");
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(PropertiesReferencesTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("app.plain", "@kv:props-plain")
            .overrideConfigKey("app.shared-a", "@kv:props-shared")
            .overrideConfigKey("app.shared-b", "@kv:props-shared")
            .overrideConfigKey("app.pinned", "@kv:props-pinned/" + PINNED_VERSION)
            .overrideConfigKey("app.latest", "@kv:props-pinned")
            .overrideConfigKey("app.full", "@kv:" + VAULT.vaultUrl() + "/secrets/props-full")
            .overrideConfigKey("app.expression", "${app.plain}")
            .overrideConfigKey("app.optional", "@kv?:props-does-not-exist")
            .overrideConfigKey("%test.app.profiled", "@kv:props-plain")
            .overrideConfigKey("%prod.app.other-profile", "@kv:props-never-read")
            .overrideConfigKey("app.plain-text", "not a reference");

    @ConfigProperty(name = "app.plain")
    String plain;
    @ConfigProperty(name = "app.shared-a")
    String sharedA;
    @ConfigProperty(name = "app.shared-b")
    String sharedB;
    @ConfigProperty(name = "app.pinned")
    String pinned;
    @ConfigProperty(name = "app.latest")
    String latest;
    @ConfigProperty(name = "app.full")
    String full;
    @ConfigProperty(name = "app.expression")
    String expression;
    @ConfigProperty(name = "app.optional")
    Optional<String> optional;
    @ConfigProperty(name = "app.profiled")
    String profiled;
    @ConfigProperty(name = "app.plain-text")
    String plainText;

    @Inject
    KeyVault keyVault;

    @Test
    void everyFormResolves() {
        assertThat(plain).isEqualTo("props-plain-value-1");
        assertThat(sharedA).isEqualTo("props-shared-value-2");
        assertThat(sharedB).isEqualTo("props-shared-value-2");
        assertThat(pinned).isEqualTo("props-pinned-old-3");
        assertThat(latest).isEqualTo("props-pinned-new-4");
        assertThat(full).isEqualTo("props-full-value-5");
        assertThat(expression).isEqualTo("props-plain-value-1");
        assertThat(optional).isEmpty();
        assertThat(profiled).isEqualTo("props-plain-value-1");
        assertThat(plainText).isEqualTo("not a reference");
    }

    @Test
    void oneBatchOneToken() {
        // distinct secrets: props-plain, props-shared, props-pinned@version, props-pinned (latest), props-full,
        // props-does-not-exist (404) = 6 GETs; one token for the one vault
        assertThat(VAULT.count("GetSecret")).isEqualTo(6);
        assertThat(VAULT.count("Token")).isEqualTo(1);
    }

    @Test
    void keyVaultBean() {
        assertThat(keyVault.configured()).isTrue();
        assertThat(keyVault.vaultUrl()).contains(VAULT.vaultUrl());
        assertThat(keyVault.references()).extracting(r -> r.property())
                .contains("app.plain", "app.shared-a", "app.optional", "app.full");
        assertThat(keyVault.references().toString()).doesNotContain("props-plain-value-1");
    }
}
