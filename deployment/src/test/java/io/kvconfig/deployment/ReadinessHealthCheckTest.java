package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** With quarkus-smallrye-health: readiness reports the vault reachable and each reference's status, never a value. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ReadinessHealthCheckTest {

    static final Vault VAULT = TestVaults.shared("health", b -> b.secret("health-secret", "health-secret-value-5"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessHealthCheckTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("app.secret", "@kv:health-secret")
            .overrideConfigKey("app.maybe", "@kv?:health-absent");

    @Test
    @Order(1)
    void upWithStatuses() {
        String body = when().get("/q/health/ready").then().statusCode(200)
                .body(containsString("Azure Key Vault"))
                .extract().asString();
        assertThat(body).contains("\"reachable\": true").contains("app.secret").contains("resolved (health-secret)")
                .contains("app.maybe").contains("optional-missing (health-absent)")
                .doesNotContain("health-secret-value-5");
    }

    @Test
    @Order(2)
    void downWhenTheFirewallBlocks() {
        VAULT.firewallDefaultAction("Deny");
        try {
            String body = when().get("/q/health/ready").then().statusCode(503).extract().asString();
            assertThat(body).contains("\"reachable\": false").contains("HTTP 403").doesNotContain("health-secret-value-5");
            // named as the firewall (with the client address), not as a refused credential
            assertThat(body).contains("firewall-blocked").contains("203.0.113.10");
        } finally {
            VAULT.firewallDefaultAction("Allow");
        }
    }
}
