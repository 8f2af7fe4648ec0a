package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Readiness;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** Nothing listens at the vault URL (no reference, so the app starts): DOWN, kind "unreachable", no URL. */
class ReadinessUnreachableTest {

    static final Vault TOKEN_SOURCE = TestVaults.shared("health-unreachable");

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), TOKEN_SOURCE)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessUnreachableTest.class, TestVaults.class, Vault.class,
                    Readiness.class))
            .overrideConfigKey("quarkus.kvconfig.url", "https://localhost:1")
            .overrideConfigKey("quarkus.kvconfig.credential.client-id", Readiness.CLIENT_ID)
            .overrideConfigKey("quarkus.kvconfig.credential.tenant-id", Readiness.TENANT_ID);

    @Test
    void downAsUnreachable() {
        String body = when().get("/q/health/ready").then().statusCode(503).extract().asString();
        Readiness.Check check = Readiness.check(body);
        assertThat(check.status()).isEqualTo("DOWN");
        assertThat(check.data()).containsEntry("vault", "configured").containsEntry("reachable", false)
                .containsEntry("error-kind", "unreachable").containsEntry("references", 0)
                .doesNotContainKey("http-status");
        Readiness.assertNoDetails(body, TOKEN_SOURCE, "localhost:1", "refused", "Connect");
    }
}
