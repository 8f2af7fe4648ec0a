package io.kvconfig.service.firewall;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** With {@code kvconfig.firewall.schedule} set, a rule removed while the service runs comes back by itself. */
@QuarkusTest
@TestProfile(FirewallProfiles.Scheduled.class)
class FirewallScheduleTest {

    private static final String RULE = "203.0.113.10/32";

    @Test
    void scheduledRecheckReaddsARemovedRule() throws InterruptedException {
        given().header("Authorization", "Bearer " + FirewallTestVault.ADMIN_SECRET)
                .get("/api/keyvault/firewall").then().statusCode(200).body("schedule", equalTo("1s"));
        assertThat(FirewallTestVault.vault.firewall().ipRules()).contains(RULE);
        long patches = FirewallTestVault.vault.journal().count("VaultPatch");

        FirewallTestVault.vault.firewall().removeIpRule(RULE);
        // wait for the behaviour (bounded), not for a time: the next scheduled run puts the rule back. Wait for the
        // journal, not the rule: the dev vault applies a PATCH before it journals it, so the rule shows first
        for (int i = 0; i < 300 && FirewallTestVault.vault.journal().count("VaultPatch") == patches; i++) {
            Thread.sleep(100);
        }
        assertThat(FirewallTestVault.vault.firewall().ipRules()).contains(RULE);
        assertThat(FirewallTestVault.vault.journal().count("VaultPatch")).isEqualTo(patches + 1);
        assertThat(FirewallTestVault.vault.firewall().ipRules()).contains(FirewallTestVault.OTHER_RULE);
    }
}
