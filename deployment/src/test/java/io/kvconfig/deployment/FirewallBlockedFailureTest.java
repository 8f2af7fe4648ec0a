package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** The vault's firewall denies this machine's address (no allowlisting configured): named with the address. */
class FirewallBlockedFailureTest {

    static final String VALUE = "firewall-blocked-value-77";
    static final Vault VAULT = TestVaults.shared("firewall-blocked", b -> b.secret("fw-secret", VALUE)
            .publicIp("203.0.113.77").defaultAction("Deny"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(FirewallBlockedFailureTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("app.a", "@kv:fw-secret")
            .overrideConfigKey("app.b", "@kv:fw-secret")
            .assertException(Failures.resolutionFailure(m -> assertThat(m)
                    .contains("app.a").contains("app.b").contains("fw-secret").contains("firewall")
                    .contains("203.0.113.77"), VALUE));

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
