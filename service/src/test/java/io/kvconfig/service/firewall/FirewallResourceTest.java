package io.kvconfig.service.firewall;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

import java.time.Duration;

import jakarta.inject.Inject;

import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.smallrye.mutiny.Uni;

/**
 * The service on a vault whose firewall denies public traffic: startup allowlisting, the admin endpoints with and
 * without auth, a second run, and the reactive path (rule removed while running).
 */
@QuarkusTest
@TestProfile(FirewallProfiles.Deny.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirewallResourceTest {

    private static final String IP = "203.0.113.10";

    @Inject
    FirewallService firewall;

    @Inject
    KeyVault keyVault;

    private static io.restassured.specification.RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + FirewallTestVault.ADMIN_SECRET);
    }

    @Test
    @Order(1)
    void startupAddedExactlyOneRuleKeptTheOtherAndReferencesResolved() {
        // the admin secret is @kv:admin-secret: authenticating with it proves the reference resolved through the firewall
        admin().get("/api/keyvault/firewall").then().statusCode(200)
                .body("enabled", equalTo(true))
                .body("vault", equalTo(FirewallTestVault.vault.vaultName()))
                .body("resourceGroup", equalTo(FirewallTestVault.vault.resourceGroup()))
                .body("schedule", equalTo("off"))
                .body("last.ip", equalTo(IP))
                .body("last.added", equalTo(true))
                .body("last.alreadyPresent", equalTo(false))
                .body("last.effective", equalTo(true))
                .body("last.at", notNullValue())
                .body("last.error", nullValue());
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isEqualTo(1);
        assertThat(FirewallTestVault.vault.journal().count("VaultPut")).isZero();
        assertThat(FirewallTestVault.vault.firewall().ipRules())
                .containsExactlyInAnyOrder(FirewallTestVault.OTHER_RULE, IP + "/32");
        assertThat(FirewallTestVault.vault.firewall().defaultAction()).isEqualTo("Deny");
    }

    @Test
    @Order(2)
    void endpointsRequireTheAdminToken() {
        given().get("/api/keyvault/firewall").then().statusCode(401).body("status", equalTo("unauthorized"));
        given().post("/api/keyvault/firewall/allowlist").then().statusCode(401).body("status", equalTo("unauthorized"));
        given().header("Authorization", "Bearer wrong-" + FirewallTestVault.ADMIN_SECRET)
                .post("/api/keyvault/firewall/allowlist").then().statusCode(401);
        given().header("Authorization", "Basic " + FirewallTestVault.ADMIN_SECRET)
                .get("/api/keyvault/firewall").then().statusCode(401);
        // nothing ran for the refused calls
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isEqualTo(1);
    }

    @Test
    @Order(3)
    void runningAgainAddsNothing() {
        long gets = FirewallTestVault.vault.journal().count("VaultGet");
        admin().post("/api/keyvault/firewall/allowlist").then().statusCode(200)
                .body("status", equalTo("ok"))
                .body("result.ip", equalTo(IP))
                .body("result.added", equalTo(false))
                .body("result.alreadyPresent", equalTo(true))
                .body("message", containsString("already allowed"));
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isEqualTo(1);
        assertThat(FirewallTestVault.vault.journal().count("VaultGet")).isGreaterThan(gets);
        admin().get("/api/keyvault/firewall").then().statusCode(200).body("last.alreadyPresent", equalTo(true));
    }

    @Test
    @Order(4)
    void reactivePathReaddsARemovedRuleAndTheCallSucceeds() {
        FirewallTestVault.vault.firewall().removeIpRule(IP);
        long refusedBefore = FirewallTestVault.vault.journal().count("ForbiddenByFirewall");

        String value = firewall.withAllowlisting(
                () -> Uni.createFrom().completionStage(() -> keyVault.secrets().getSecret("app-secret").toFuture()))
                .await().atMost(Duration.ofSeconds(60)).getValue();

        assertThat(value).isEqualTo("app-" + FirewallTestVault.ADMIN_SECRET);
        assertThat(FirewallTestVault.vault.journal().count("ForbiddenByFirewall")).isGreaterThan(refusedBefore);
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isEqualTo(2);
        assertThat(FirewallTestVault.vault.firewall().ipRules())
                .containsExactlyInAnyOrder(FirewallTestVault.OTHER_RULE, IP + "/32");
        admin().get("/api/keyvault/firewall").then().statusCode(200)
                .body("last.added", equalTo(true)).body("last.effective", equalTo(true));
    }

    @Test
    @Order(5)
    void otherFailuresPassThroughTheReactiveGuardUntouched() {
        long patches = FirewallTestVault.vault.journal().count("VaultPatch");
        Throwable failure = firewall.withAllowlisting(
                () -> Uni.createFrom().completionStage(() -> keyVault.secrets().getSecret("no-such-secret").toFuture()))
                .onItem().transform(s -> (Throwable) null)
                .onFailure().recoverWithItem(e -> e)
                .await().atMost(Duration.ofSeconds(30));
        assertThat(failure).isInstanceOf(com.azure.core.exception.ResourceNotFoundException.class);
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isEqualTo(patches);
    }

    @Test
    @Order(6)
    void responsesNeverCarryASecret() {
        String body = admin().get("/api/keyvault/firewall").then().statusCode(200).extract().asString();
        assertThat(body).doesNotContain(FirewallTestVault.ADMIN_SECRET);
        String run = admin().post("/api/keyvault/firewall/allowlist").then().statusCode(200).extract().asString();
        assertThat(run).doesNotContain(FirewallTestVault.ADMIN_SECRET);
    }
}
