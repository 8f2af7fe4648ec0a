package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** Nothing listens at the vault URL: "vault unreachable" with the URL, within the startup deadline. */
class UnreachableVaultFailureTest {

    static final Vault TOKEN_SOURCE = TestVaults.shared("unreachable-token-source");

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), TOKEN_SOURCE)
            .withApplicationRoot(jar -> jar.addClasses(UnreachableVaultFailureTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("quarkus.kvconfig.url", "https://localhost:1")
            .overrideConfigKey("quarkus.kvconfig.startup-timeout", "3S")
            .overrideConfigKey("app.a", "@kv:unreachable-secret")
            .assertException(Failures.resolutionFailure(m -> assertThat(m)
                    .contains("app.a").contains("unreachable-secret").contains("unreachable").contains("localhost:1")));

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
