package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** A reference with no vault configured (and the Dev Service off) is an error that says how to configure one. */
class NoVaultConfiguredTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(NoVaultConfiguredTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.enabled", "false")
            .overrideConfigKey("app.token", "@kv:github-token")
            .assertException(Failures.resolutionFailure(m -> assertThat(m)
                    .contains("app.token").contains("github-token")
                    .contains("KEY_VAULT_URL").contains("quarkus.kvconfig.url")));

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
