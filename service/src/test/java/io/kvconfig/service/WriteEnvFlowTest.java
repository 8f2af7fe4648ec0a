package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.envMode;
import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;

/** The write_env flow against the dev vault: Key Vault first, then one atomic .env write; failures change nothing. */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class WriteEnvFlowTest {

    static final String GITHUB = LeakCheck.secret("ghp_flowTEST'\"$HOME `x` \\ # = end");
    static final String NEW_ADMIN = LeakCheck.secret("new-admin-secret-flow-0123456789");
    static final String ACS = LeakCheck.secret("endpoint=https://acs.example/;accesskey=FLOWsecret==\nline2");
    static final String BOT = LeakCheck.secret("b0t-password-flow");

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void secretsGoToKeyVaultAndEnvGetsReferencesKeepingEverythingElse() throws Exception {
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "OLD_SETTING=to-remove\n");
        Response r = put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"ADMIN_SECRET\":" + q(NEW_ADMIN) + ",\"ACS_CONNECTION_STRING\":"
                + q(ACS) + ",\"BOT_APP_PASSWORD\":" + q(BOT) + ",\"LOG_FORMAT\":\"text\",\"NEW_PLAIN\":\"a b 'c'\""
                + ",\"OLD_SETTING\":null,\"NOT_THERE\":\"\"}");
        r.then().statusCode(200)
                .body("status", equalTo("ok"))
                .body("restartRequired", equalTo(true))
                .body("changes", hasSize(8))
                .body("warnings", nullValue());
        JsonPath json = r.jsonPath();
        assertThat(json.getList("changes", Map.class)).containsExactly(
                Map.of("key", "GITHUB_TOKEN", "stored", "keyvault", "reference", "@kv:github-token"),
                // the existing reference's name wins
                Map.of("key", "ADMIN_SECRET", "stored", "keyvault", "reference", "@kv:admin-secret"),
                // else the key lower-cased with _ -> -
                Map.of("key", "ACS_CONNECTION_STRING", "stored", "keyvault", "reference", "@kv:acs-connection-string"),
                // else the configured per-key name
                Map.of("key", "BOT_APP_PASSWORD", "stored", "keyvault", "reference", "@kv:bot-password"),
                mapWithNull("LOG_FORMAT", "env"),
                mapWithNull("NEW_PLAIN", "env"),
                mapWithNull("OLD_SETTING", "removed"),
                mapWithNull("NOT_THERE", "removed"));

        assertThat(TestVault.vault.secretValue("github-token")).contains(GITHUB);
        assertThat(TestVault.vault.secretValue("admin-secret")).contains(NEW_ADMIN);
        assertThat(TestVault.vault.secretValue("acs-connection-string")).contains(ACS);
        assertThat(TestVault.vault.secretValue("bot-password")).contains(BOT);

        assertThat(envText()).isEqualTo("# kvconfig service settings (test)\n"
                + "ADMIN_SECRET=@kv:admin-secret\n"
                + "\n"
                + "# plain settings\n"
                + "LOG_FORMAT=text   # trailing comment\n"
                + "export GREETING='hello world'\n"
                + "GITHUB_TOKEN=@kv:github-token\n"
                + "ACS_CONNECTION_STRING=@kv:acs-connection-string\n"
                + "BOT_APP_PASSWORD=@kv:bot-password\n"
                + "NEW_PLAIN='a b '\\''c'\\'''\n");
        assertThat(envMode()).isEqualTo("rw-------");
        assertThat(DotEnvFormat.parse(envText()).get("NEW_PLAIN")).contains("a b 'c'");
        for (String secret : List.of(GITHUB, NEW_ADMIN, ACS, BOT)) {
            assertThat(envText()).doesNotContain(secret);
        }
        // the leak check sees the app's own log lines (keys, never values)
        assertThat(LeakCheck.logLines()).anyMatch(line -> line.contains("Settings saved") && line.contains("GITHUB_TOKEN"));
    }

    private static Map<String, Object> mapWithNull(String key, String stored) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("key", key);
        m.put("stored", stored);
        m.put("reference", null);
        return m;
    }

    @Test
    void getSettingsShowsReferencesAndPlainValuesButNeverSecretValues() {
        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"LOG_FORMAT\":\"text\"}").then().statusCode(200);
        Response r = admin().get("/api/settings");
        r.then().statusCode(200).body("envFile", equalTo(TestVault.envFile.toString()));
        // every field of every setting: the whole listing (the other secret and known keys are set nowhere)
        assertThat(r.jsonPath().getList("settings", Map.class)).containsExactly(
                setting("ADMIN_SECRET", true, "@kv:admin-secret", null, "env-file"),
                setting("LOG_FORMAT", false, null, "text", "env-file"),
                setting("GREETING", false, null, "hello world", "env-file"),
                setting("GITHUB_TOKEN", true, "@kv:github-token", null, "env-file"));
    }

    static Map<String, Object> setting(String key, boolean secret, String reference, String value, String source) {
        Map<String, Object> m = new java.util.HashMap<>();
        m.put("key", key);
        m.put("secret", secret);
        m.put("reference", reference);
        m.put("value", value);
        m.put("source", source);
        return m;
    }

    @Test
    void aPutsKeyVaultWritesAreCappedAtTheConfiguredConcurrency() throws Exception {
        // twelve secret writes in one PUT, each held 300 ms by the vault: with key-vault-concurrency=4 (profile) the
        // vault never sees more than 4 at once, and sees 4 (they do run in parallel)
        StringBuilder seed = new StringBuilder(TestVault.BASELINE);
        StringBuilder body = new StringBuilder("{");
        for (int i = 0; i < 12; i++) {
            seed.append("CAP_").append(i).append("=@kv:cap-").append(i).append('\n');
            body.append(i == 0 ? "" : ",").append("\"CAP_").append(i).append("\":")
                    .append(q(LeakCheck.secret("capped-secret-" + i + "-\"x")));
        }
        Files.writeString(TestVault.envFile, seed.toString());
        TestVault.vault.journal().reset();
        TestVault.vault.faults().latency(java.time.Duration.ofMillis(300));
        put(body.append('}').toString()).then().statusCode(200).body("changes", hasSize(12));
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(12);
        assertThat(TestVault.vault.journal().maxInFlight()).isEqualTo(4);
        for (int i = 0; i < 12; i++) {
            Api.assertHolds(TestVault.vault, "cap-" + i, "capped-secret-" + i + "-\"x");
        }
    }

    @Test
    void existingReferenceKeepsItsNameAndVaultAndLosesItsPinnedVersion() throws Exception {
        String pinned = TestVault.vault.setSecret("my-gh", "old-value");
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "GITHUB_TOKEN=@kv:my-gh/" + pinned + "\n"
                + "CUSTOM=@kv?:custom-name\n");
        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"CUSTOM\":" + q(BOT) + "}").then().statusCode(200)
                .body("changes[0].reference", equalTo("@kv:my-gh"))
                // a plain key holding a reference is treated as a secret: never replaced by plaintext
                .body("changes[1].stored", equalTo("keyvault"))
                .body("changes[1].reference", equalTo("@kv?:custom-name"));
        assertThat(TestVault.vault.secretValue("my-gh")).contains(GITHUB);
        assertThat(TestVault.vault.secretValue("custom-name")).contains(BOT);
        assertThat(envText()).endsWith("GITHUB_TOKEN=@kv:my-gh\nCUSTOM=@kv?:custom-name\n");
    }

    @Test
    void aReferenceAsValueIsWrittenAsIsWithoutTouchingKeyVault() {
        long sets = TestVault.vault.journal().count("SetSecret");
        put("{\"GITHUB_TOKEN\":\"@kv:shared-token\",\"PLAIN_REF\":\"@kv:https://other.vault.azure.net/secrets/x\"}")
                .then().statusCode(200)
                .body("changes[0].stored", equalTo("env")).body("changes[0].reference", equalTo("@kv:shared-token"));
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(sets);
        assertThat(envText()).contains("GITHUB_TOKEN=@kv:shared-token\n")
                .contains("PLAIN_REF=@kv:https://other.vault.azure.net/secrets/x\n");
    }

    @Test
    void keyVaultFailureLeavesEnvByteForByteUnchanged() {
        byte[] before = envBytes();
        TestVault.vault.faults().failNext(100, 500);
        Response r = put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"ADMIN_SECRET\":" + q(NEW_ADMIN) + ",\"LOG_FORMAT\":\"x\"}");
        r.then().statusCode(502)
                .body("status", equalTo("keyvault_error"))
                .body("message", containsString("was not changed"))
                .body("message", containsString("nothing was written as plaintext"))
                .body("stored", hasSize(0))
                .body("notStored", hasSize(2))
                .body("notStored[0].key", equalTo("GITHUB_TOKEN"))
                .body("notStored[0].secretName", equalTo("github-token"))
                .body("notStored[0].reason", containsString("HTTP 500"));
        assertThat(envBytes()).isEqualTo(before);
        assertThat(TestVault.vault.secretValue("admin-secret")).contains(TestVault.ADMIN_SECRET);
        assertThat(r.asString()).doesNotContain(GITHUB).doesNotContain(NEW_ADMIN);
        // retried once each (kvconfig.service.key-vault-retries=1 in the profile): 2 keys x 2 attempts
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(4);
    }

    @Test
    void unavailableVaultIs503() {
        byte[] before = envBytes();
        TestVault.vault.faults().failNext(100, 503);
        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + "}").then().statusCode(503)
                .body("notStored[0].reason", containsString("unavailable"));
        TestVault.vault.faults().clear().dropNext(100);
        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + "}").then().statusCode(503)
                .body("notStored[0].reason", containsString("unreachable"));
        assertThat(envBytes()).isEqualTo(before);
    }

    @Test
    void withoutAllowlistingAFirewallRefusalPassesThroughNamingTheFirewall() {
        // this profile has no KEY_VAULT_RG: the firewall guard around the service's Key Vault calls is a pass-through
        byte[] before = envBytes();
        TestVault.vault.firewall().defaultAction("Deny");
        try {
            Response r = put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"LOG_FORMAT\":\"x\"}");
            r.then().statusCode(502)
                    .body("notStored[0].key", equalTo("GITHUB_TOKEN"))
                    .body("notStored[0].reason", containsString("blocked by the Key Vault firewall (HTTP 403 ForbiddenByFirewall"))
                    .body("notStored[0].reason", containsString("client address " + TestVault.vault.publicIp()))
                    .body("notStored[0].reason", containsString("KEY_VAULT_RG"));
            assertThat(envBytes()).isEqualTo(before);
            assertThat(r.asString()).doesNotContain(GITHUB);
            admin().get("/api/keyvault/status").then().statusCode(200)
                    .body("reachable", equalTo(false))
                    .body("error", containsString("blocked by the Key Vault firewall"));
            // refused once each, not retried, and no allowlisting (no Resource Manager call, no IP echo)
            assertThat(TestVault.vault.journal().count("ForbiddenByFirewall")).isEqualTo(2);
            assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(1);
            assertThat(TestVault.vault.journal().count("VaultGet")).isZero();
            assertThat(TestVault.vault.journal().count("VaultPatch")).isZero();
            assertThat(TestVault.vault.journal().count("IpEcho")).isZero();
        } finally {
            TestVault.vault.firewall().defaultAction("Allow");
        }
    }

    @Test
    void oneTransientFailureIsRetried() {
        TestVault.vault.faults().failNext(1, 503);
        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + "}").then().statusCode(200);
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(2);
        assertThat(TestVault.vault.secretValue("github-token")).contains(GITHUB);
    }

    @Test
    void partialFailureSaysWhichKeysWereAndWerentStored() throws Exception {
        // BOT_APP_PASSWORD's reference points at a vault that does not answer
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "BOT_APP_PASSWORD=@kv:https://localhost:1/secrets/bot\n");
        byte[] before = envBytes();
        Response r = put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"BOT_APP_PASSWORD\":" + q(BOT) + "}");
        r.then().statusCode(503)
                .body("stored", hasSize(1)).body("stored[0].key", equalTo("GITHUB_TOKEN"))
                .body("stored[0].secretName", equalTo("github-token"))
                .body("notStored", hasSize(1)).body("notStored[0].key", equalTo("BOT_APP_PASSWORD"))
                .body("notStored[0].secretName", equalTo("bot"))
                .body("notStored[0].reason", containsString("unreachable"))
                .body("message", containsString("already have a new version"));
        assertThat(envBytes()).isEqualTo(before);
    }

    @Test
    void secretValuesWithNewlinesAndQuotesRoundTripThroughKeyVault() {
        String multi = LeakCheck.secret("-----BEGIN KEY-----\nabc'def\"\n\tghi$HOME\n-----END KEY-----\n");
        put("{\"AZURE_OPENAI_API_KEY\":" + q(multi) + "}").then().statusCode(200)
                .body("changes[0].reference", equalTo("@kv:azure-openai-api-key"));
        assertThat(TestVault.vault.secretValue("azure-openai-api-key")).contains(multi);
    }
}
