package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** The managed identity endpoint refuses the request (wrong identity header): names the credential. */
class AuthenticationFailureTest {

    static final String VALUE = "auth-failed-value-78";
    static final Vault VAULT = TestVaults.shared("auth-failed", b -> b.secret("auth-secret", VALUE));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(AuthenticationFailureTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("quarkus.kvconfig.credential.type", "managed-identity")
            .overrideConfigKey("quarkus.kvconfig.credential.identity-header", "wrong-identity-header")
            .overrideConfigKey("app.a", "@kv:auth-secret")
            .assertException(Failures.resolutionFailure(m -> assertThat(m)
                    .contains("app.a").contains("auth-secret").contains("authentication failed")
                    .contains("managed identity"), VALUE, "wrong-identity-header"));

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
