package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Readiness;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * The managed identity endpoint refuses the credential (wrong identity header; no reference, so the app starts): DOWN,
 * kind "authentication-failed", and none of the credential's settings (endpoint, client id, tenant) in the answer.
 */
class ReadinessRefusedCredentialTest {

    static final Vault VAULT = TestVaults.shared("health-refused");

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessRefusedCredentialTest.class, TestVaults.class,
                    Vault.class, Readiness.class))
            .overrideConfigKey("quarkus.kvconfig.credential.type", "managed-identity")
            .overrideConfigKey("quarkus.kvconfig.credential.identity-header", "wrong-identity-header")
            .overrideConfigKey("quarkus.kvconfig.credential.client-id", Readiness.CLIENT_ID)
            .overrideConfigKey("quarkus.kvconfig.credential.tenant-id", Readiness.TENANT_ID);

    @Test
    void downAsAuthenticationFailedWithoutCredentialDetails() {
        VAULT.resetJournal();
        String body = when().get("/q/health/ready").then().statusCode(503).extract().asString();
        Readiness.Check check = Readiness.check(body);
        assertThat(check.status()).isEqualTo("DOWN");
        assertThat(check.data()).containsEntry("reachable", false).containsEntry("error-kind", "authentication-failed");
        Readiness.assertNoDetails(body, VAULT, "wrong-identity-header", "managed identity", "ManagedIdentity");
        // the token endpoint was asked and refused; the vault never got a token
        assertThat(VAULT.count("TokenRejected")).isPositive();
        assertThat(VAULT.count("GetSecret")).isZero();
    }
}
