package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** A vault that keeps throttling past the startup deadline: startup fails with a clear reason. */
class ThrottlingBeyondDeadlineTest {

    static final Vault VAULT = TestVaults.shared("throttle-fail", b -> b.secret("throttled-secret", "throttled-value-9"));
    static {
        VAULT.throttleNext(10_000, 3);
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ThrottlingBeyondDeadlineTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("quarkus.kvconfig.startup-timeout", "2S")
            .overrideConfigKey("app.a", "@kv:throttled-secret")
            .assertException(Failures.resolutionFailure(m -> assertThat(m)
                    .contains("app.a").contains("throttled-secret").containsAnyOf("throttled", "timed out"),
                    "throttled-value-9"));

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
