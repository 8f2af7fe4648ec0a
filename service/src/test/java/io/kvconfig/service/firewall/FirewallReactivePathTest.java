package io.kvconfig.service.firewall;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.devvault.Journal;
import io.kvconfig.service.LeakCheck;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * Issue 5's reactive path through the service's own Key Vault calls: the rule for this machine is removed from the
 * vault firewall (default action Deny) while the service runs; the next {@code PUT /api/settings} secret write and
 * the next {@code GET /api/keyvault/status} probe are refused (403 ForbiddenByFirewall), allowlisting re-adds the
 * rule (one PATCH), and the call is retried once and succeeds. When allowlisting cannot help (no permission to write
 * the vault resource), the write answers 502 naming the firewall and why allowlisting failed, and {@code .env} is
 * byte-for-byte unchanged.
 */
@QuarkusTest
@TestProfile(FirewallProfiles.Reactive.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(LeakCheck.class)
class FirewallReactivePathTest {

    private static final String IP = "203.0.113.10";
    private static final String RULE = IP + "/32";
    static final String TOKEN = LeakCheck.secret("ghp_fwReactiveTOKEN-" + Long.toHexString(System.nanoTime()));
    static final String TOKEN_2 = LeakCheck.secret("ghp_fwBlockedTOKEN-" + Long.toHexString(System.nanoTime()));

    private static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + FirewallTestVault.ADMIN_SECRET);
    }

    private static DevVault vault() {
        return FirewallTestVault.vault;
    }

    /** Journal entries answered 403 by the firewall since {@code from}. */
    private static List<Journal.Entry> refusedSince(int from) {
        List<Journal.Entry> all = vault().journal().entries();
        return all.subList(from, all.size()).stream().filter(e -> e.status() == 403).toList();
    }

    @BeforeEach
    void capture() {
        LeakCheck.install();
        LeakCheck.attach();
        LeakCheck.secret(FirewallTestVault.ADMIN_SECRET);
    }

    @Test
    @Order(1)
    void secretWriteAfterTheRuleWasRemovedReaddsItAndSucceeds() throws IOException {
        assertThat(vault().firewall().ipRules()).contains(RULE); // startup allowlisting put it there
        vault().firewall().removeIpRule(IP);
        assertThat(vault().firewall().ipRules()).containsExactly(FirewallTestVault.OTHER_RULE);
        Journal journal = vault().journal();
        long patches = journal.count("VaultPatch");
        long puts = journal.count("VaultPut");
        long refused = journal.count("ForbiddenByFirewall");
        long sets = journal.count("SetSecret");
        int from = journal.entries().size();

        admin().contentType("application/json").body("{\"GITHUB_TOKEN\":\"" + TOKEN + "\",\"LOG_FORMAT\":\"text\"}")
                .put("/api/settings").then().statusCode(200)
                .body("status", equalTo("ok"))
                .body("changes[0].key", equalTo("GITHUB_TOKEN"))
                .body("changes[0].stored", equalTo("keyvault"))
                .body("changes[0].reference", equalTo("@kv:github-token"));

        assertThat(vault().secretValue("github-token")).contains(TOKEN);
        assertThat(Files.readString(FirewallTestVault.envFile)).contains("GITHUB_TOKEN=@kv:github-token\n")
                .contains("LOG_FORMAT=text\n").doesNotContain(TOKEN);
        assertThat(vault().firewall().ipRules()).containsExactlyInAnyOrder(FirewallTestVault.OTHER_RULE, RULE);
        // exactly one allowlisting write, the minimal PATCH; never a whole-vault PUT
        assertThat(journal.count("VaultPatch")).isEqualTo(patches + 1);
        assertThat(journal.count("VaultPut")).isEqualTo(puts);
        // the refused write, then the one retry
        assertThat(journal.count("ForbiddenByFirewall")).isEqualTo(refused + 1);
        assertThat(refusedSince(from)).singleElement().satisfies(e -> {
            assertThat(e.operation()).isEqualTo("SetSecret");
            assertThat(e.path()).contains("/secrets/github-token");
        });
        assertThat(journal.count("SetSecret")).isEqualTo(sets + 2);
        admin().get("/api/keyvault/firewall").then().statusCode(200)
                .body("last.added", equalTo(true)).body("last.effective", equalTo(true));
    }

    @Test
    @Order(2)
    void statusProbeAfterTheRuleWasRemovedReaddsItAndIsReachable() {
        vault().firewall().removeIpRule(IP);
        Journal journal = vault().journal();
        long patches = journal.count("VaultPatch");
        long puts = journal.count("VaultPut");
        long refused = journal.count("ForbiddenByFirewall");
        int from = journal.entries().size();

        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("configured", equalTo(true))
                .body("reachable", equalTo(true))
                .body("error", nullValue());

        assertThat(vault().firewall().ipRules()).containsExactlyInAnyOrder(FirewallTestVault.OTHER_RULE, RULE);
        assertThat(journal.count("VaultPatch")).isEqualTo(patches + 1);
        assertThat(journal.count("VaultPut")).isEqualTo(puts);
        assertThat(journal.count("ForbiddenByFirewall")).isEqualTo(refused + 1);
        assertThat(refusedSince(from)).singleElement().satisfies(e -> assertThat(e.operation()).isEqualTo("GetSecret"));

        // with the rule in place, nothing is refused and nothing is written
        admin().get("/api/keyvault/status").then().statusCode(200).body("reachable", equalTo(true));
        assertThat(journal.count("VaultPatch")).isEqualTo(patches + 1);
        assertThat(journal.count("ForbiddenByFirewall")).isEqualTo(refused + 1);
    }

    @Test
    @Order(3)
    void whenAllowlistingCannotHelpTheWriteFailsNamingTheFirewallAndEnvIsUnchanged() throws IOException {
        vault().firewall().removeIpRule(IP);
        vault().arm().denyWrites(true);
        try {
            Journal journal = vault().journal();
            long patches = journal.count("VaultPatch");
            long denied = journal.count("AuthorizationFailed");
            long refused = journal.count("ForbiddenByFirewall");
            byte[] before = Files.readAllBytes(FirewallTestVault.envFile);

            Response r = admin().contentType("application/json")
                    .body("{\"GITHUB_TOKEN\":\"" + TOKEN_2 + "\",\"LOG_FORMAT\":\"blocked\"}").put("/api/settings");
            r.then().statusCode(502)
                    .body("status", equalTo("keyvault_error"))
                    .body("message", containsString("was not changed"))
                    .body("stored", hasSize(0))
                    .body("notStored", hasSize(1))
                    .body("notStored[0].key", equalTo("GITHUB_TOKEN"))
                    .body("notStored[0].reason", containsString("blocked by the Key Vault firewall"))
                    .body("notStored[0].reason", containsString("ForbiddenByFirewall"))
                    .body("notStored[0].reason", containsString(IP))
                    .body("notStored[0].reason", containsString("allowlisting could not fix it"))
                    .body("notStored[0].reason", containsString("Microsoft.KeyVault/vaults/write"));
            assertThat(r.asString()).doesNotContain(TOKEN_2);

            assertThat(Files.readAllBytes(FirewallTestVault.envFile)).isEqualTo(before);
            assertThat(vault().secretValue("github-token")).contains(TOKEN);
            assertThat(vault().firewall().ipRules()).containsExactly(FirewallTestVault.OTHER_RULE);
            // one allowlisting attempt (refused by ARM), no retry of the refused write
            assertThat(journal.count("AuthorizationFailed")).isEqualTo(denied + 1);
            assertThat(journal.count("VaultPatch")).isEqualTo(patches + 1);
            assertThat(journal.count("ForbiddenByFirewall")).isEqualTo(refused + 1);

            admin().get("/api/keyvault/status").then().statusCode(200)
                    .body("reachable", equalTo(false))
                    .body("error", containsString("blocked by the Key Vault firewall"))
                    .body("error", containsString("allowlisting could not fix it"));
            admin().get("/api/keyvault/firewall").then().statusCode(200)
                    .body("last.error", containsString("Microsoft.KeyVault/vaults/write"));
        } finally {
            vault().arm().allowAll();
            vault().firewall().addIpRule(RULE);
        }
    }

    @Test
    @Order(4)
    void writesRefusedTogetherShareOneAllowlistingRun() throws IOException {
        vault().firewall().removeIpRule(IP);
        byte[] before = Files.readAllBytes(FirewallTestVault.envFile);
        StringBuilder seed = new StringBuilder(new String(before, java.nio.charset.StandardCharsets.UTF_8));
        StringBuilder body = new StringBuilder("{");
        for (int i = 0; i < 6; i++) {
            seed.append("FW_").append(i).append("=@kv:fw-").append(i).append('\n');
            body.append(i == 0 ? "" : ",").append("\"FW_").append(i).append("\":\"")
                    .append(LeakCheck.secret("fw-coalesced-" + i + "-" + Long.toHexString(System.nanoTime()))).append('"');
        }
        Files.writeString(FirewallTestVault.envFile, seed.toString());
        // every request waits 200 ms at the vault: the six refusals arrive together, long before a run could finish
        vault().faults().latency(java.time.Duration.ofMillis(200));
        try {
            Journal journal = vault().journal();
            long echoes = journal.count("IpEcho");
            long patches = journal.count("VaultPatch");
            long refused = journal.count("ForbiddenByFirewall");
            long sets = journal.count("SetSecret");
            admin().contentType("application/json").body(body.append('}').toString()).put("/api/settings").then()
                    .statusCode(200).body("changes.size()", equalTo(6));
            // six refused writes, ONE allowlisting run (one address detection, one PATCH), six retries
            assertThat(journal.count("ForbiddenByFirewall")).isEqualTo(refused + 6);
            assertThat(journal.count("IpEcho")).isEqualTo(echoes + 1);
            assertThat(journal.count("VaultPatch")).isEqualTo(patches + 1);
            assertThat(journal.count("SetSecret")).isEqualTo(sets + 12);
            assertThat(vault().firewall().ipRules()).containsExactlyInAnyOrder(FirewallTestVault.OTHER_RULE, RULE);
            for (int i = 0; i < 6; i++) {
                String prefix = "fw-coalesced-" + i + "-";
                assertThat(vault().secretValue("fw-" + i).filter(v -> v.startsWith(prefix)).isPresent())
                        .as("fw-%d holds its new value (not shown)", i).isTrue();
            }
        } finally {
            vault().faults().clear();
            Files.write(FirewallTestVault.envFile, before);
        }
    }
}
