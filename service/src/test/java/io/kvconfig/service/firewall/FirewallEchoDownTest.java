package io.kvconfig.service.firewall;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Allowlisting fails at startup (every IP echo endpoint down) on a vault that lets us in anyway: the service starts
 * (startup continues when allowlisting fails; it only fails when resolution itself fails) and reports the error.
 */
@QuarkusTest
@TestProfile(FirewallProfiles.EchoDown.class)
class FirewallEchoDownTest {

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + FirewallTestVault.ADMIN_SECRET);
    }

    @Test
    void serviceRunsAndReportsTheStartupError() {
        admin().get("/api/keyvault/firewall").then().statusCode(200)
                .body("enabled", equalTo(true))
                .body("last.ip", nullValue())
                .body("last.added", equalTo(false))
                .body("last.error", containsString("no IP echo service could be reached"))
                .body("last.error", containsString(FirewallTestVault.downEchoUrl));
        admin().post("/api/keyvault/firewall/allowlist").then().statusCode(502)
                .body("status", equalTo("error"))
                .body("message", containsString(FirewallTestVault.downEchoUrl))
                .body("result.error", containsString("no IP echo service could be reached"));
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isZero();
        assertThat(FirewallTestVault.vault.journal().count("VaultGet")).isZero();
    }
}
