package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.ReferenceStatus;
import io.quarkus.test.QuarkusUnitTest;

/**
 * {@code resolve-only} restricts resolution to the listed properties (any name form); the others keep their
 * literal reference, are never requested, and are reported as left alone.
 */
class ResolveOnlyTest {

    static final Vault VAULT = TestVaults.shared("resolve-only", b -> b.secret("ro-selected", "ro-selected-value"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ResolveOnlyTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("quarkus.kvconfig.resolve-only", "APP_SELECTED, unrelated.name")
            .overrideConfigKey("app.selected", "@kv:ro-selected")
            .overrideConfigKey("app.ignored", "@kv:ro-never-requested");

    @Inject
    KeyVault keyVault;
    @ConfigProperty(name = "app.selected")
    String selected;
    @ConfigProperty(name = "app.ignored")
    String ignored;

    @Test
    void onlyListedPropertiesResolve() {
        assertThat(selected).isEqualTo("ro-selected-value");
        assertThat(ignored).isEqualTo("@kv:ro-never-requested");
        assertThat(VAULT.count("GetSecret")).isEqualTo(1);
    }

    @Test
    void reportNamesWhatWasLeftAlone() {
        assertThat(keyVault.references()).anySatisfy(r -> {
            assertThat(r.property()).isEqualTo("app.ignored");
            assertThat(r.status()).isEqualTo(ReferenceStatus.Status.LEFT_ALONE);
        }).anySatisfy(r -> {
            assertThat(r.property()).isEqualTo("app.selected");
            assertThat(r.status()).isEqualTo(ReferenceStatus.Status.RESOLVED);
        });
    }
}
