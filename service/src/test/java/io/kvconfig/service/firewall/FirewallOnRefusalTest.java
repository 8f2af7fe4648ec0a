package io.kvconfig.service.firewall;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * {@code quarkus.kvconfig.firewall.when=on-refusal} on a vault whose firewall already allows the service: the start is
 * let through, so no allowlisting runs (no Resource Manager or IP echo request in the vault's journal), and the admin
 * API says so instead of showing an empty result; a run on demand still works.
 */
@QuarkusTest
@TestProfile(FirewallProfiles.OnRefusalRulePresent.class)
class FirewallOnRefusalTest {

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + FirewallTestVault.ADMIN_SECRET);
    }

    private static long allowlistingRequests() {
        return FirewallTestVault.vault.journal().entries().stream()
                .filter(e -> e.path().startsWith("/subscriptions") || e.operation().equals("IpEcho")).count();
    }

    /** One method: the second half changes what the first half checks. */
    @Test
    void aStartThatIsLetThroughRunsNoAllowlistingAndTheApiSaysWhy() {
        // the admin secret is @kv:admin-secret: authenticating with it proves the reference resolved
        admin().get("/api/keyvault/firewall").then().statusCode(200)
                .body("enabled", equalTo(true))
                .body("when", equalTo("on-refusal"))
                .body("last", nullValue())
                .body("notRun", startsWith("not run: allowlisting runs when the vault refuses a request by its firewall"));
        assertThat(allowlistingRequests()).as(FirewallTestVault.vault.journal().counts().toString()).isZero();
        assertThat(FirewallTestVault.vault.journal().count("ForbiddenByFirewall")).isZero();
        assertThat(FirewallTestVault.vault.journal().count("ForbiddenByConnection")).isZero();

        // a run on demand finds the rule, and is shown from then on
        admin().post("/api/keyvault/firewall/allowlist").then().statusCode(200)
                .body("status", equalTo("ok"))
                .body("result.alreadyPresent", equalTo(true))
                .body("result.added", equalTo(false));
        admin().get("/api/keyvault/firewall").then().statusCode(200)
                .body("when", equalTo("on-refusal"))
                .body("last.alreadyPresent", equalTo(true))
                .body("notRun", nullValue());
        assertThat(FirewallTestVault.vault.journal().count("IpEcho")).isEqualTo(1);
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isZero();
    }
}
