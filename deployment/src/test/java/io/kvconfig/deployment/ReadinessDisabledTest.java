package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.health.KeyVaultReadinessCheck;
import io.quarkus.arc.Arc;
import io.quarkus.test.QuarkusUnitTest;

/** {@code quarkus.kvconfig.health.enabled=false}: no check bean, readiness never calls the vault. */
class ReadinessDisabledTest {

    static final Vault VAULT = TestVaults.shared("health-disabled", b -> b.secret("disabled-check-secret", "dcs-value-4"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessDisabledTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("quarkus.kvconfig.health.enabled", "false")
            .overrideConfigKey("app.secret", "@kv:disabled-check-secret");

    @Test
    void noCheckNoCall() {
        assertThat(Arc.container().instance(KeyVaultReadinessCheck.class).isAvailable()).as("check bean").isFalse();
        VAULT.resetJournal();
        for (int i = 0; i < 5; i++) {
            String body = when().get("/q/health/ready").then().statusCode(200).extract().asString();
            assertThat(body).doesNotContain("Azure Key Vault").doesNotContain("reachable");
        }
        assertThat(VAULT.count("GetSecret")).isZero();
        assertThat(VAULT.count("Challenge")).isZero();
        assertThat(VAULT.count("Token")).isZero();
    }
}
