package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** A cache period that is not a duration stops startup, naming the property and the value. */
class ReadinessBadCachePeriodTest {

    static final Vault VAULT = TestVaults.shared("health-bad-period");

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessBadCachePeriodTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("quarkus.kvconfig.health.cache-period", "half a minute")
            .assertException(t -> assertThat(Failures.fullText(t))
                    .contains("quarkus.kvconfig.health.cache-period").contains("half a minute"));

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
