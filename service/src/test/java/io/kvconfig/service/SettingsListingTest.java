package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.nio.file.Files;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * {@code GET /api/settings} lists every known setting present in any config source, not only {@code .env} lines:
 * a secret key referenced only in application config is listed with its reference, the source it comes from and no
 * value; {@code .env} still wins over application config. {@code PUT /api/settings} stores a secret under the name of
 * its current reference wherever that lives.
 */
@QuarkusTest
@TestProfile(Profiles.Listing.class)
@ExtendWith(LeakCheck.class)
class SettingsListingTest {

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    private static Map<String, Map<String, Object>> byKey(Response r) {
        Map<String, Map<String, Object>> out = new HashMap<>();
        List<Map<String, Object>> settings = r.jsonPath().getList("settings");
        for (Map<String, Object> s : settings) {
            out.put((String) s.get("key"), s);
        }
        return out;
    }

    private static Map<String, Object> setting(String key, boolean secret, String reference, String value, String source) {
        Map<String, Object> m = new HashMap<>();
        m.put("key", key);
        m.put("secret", secret);
        m.put("reference", reference);
        m.put("value", value);
        m.put("source", source);
        return m;
    }

    @Test
    void settingsFromApplicationConfigAreListedWithTheirSource() {
        Response r = admin().get("/api/settings");
        r.then().statusCode(200);
        Map<String, Map<String, Object>> settings = byKey(r);
        assertThat(settings).containsEntry("ADMIN_SECRET",
                setting("ADMIN_SECRET", true, "@kv:admin-secret", null, "env-file"));
        // the %test profile's value in application config; resolved at startup, its value never shown
        assertThat(settings).containsEntry("GITHUB_TOKEN",
                setting("GITHUB_TOKEN", true, "@kv:admin-secret", null, "application-config"));
        assertThat(settings).containsEntry("BOT_APP_PASSWORD",
                setting("BOT_APP_PASSWORD", true, "@kv?:not-in-the-vault", null, "application-config"));
        assertThat(settings).containsEntry("FEATURE_FLAG",
                setting("FEATURE_FLAG", false, null, "from-yaml", "application-config"));
        assertThat(settings).containsEntry("LOG_FORMAT", setting("LOG_FORMAT", false, null, "json", "env-file"));
        assertThat(settings).containsEntry("GREETING", setting("GREETING", false, null, "hello world", "env-file"));
        // the test resource names the vault with quarkus.kvconfig.url: no KEY_VAULT_URL anywhere
        // not known, or only in another profile, or set nowhere: not listed. Every field of every setting above.
        assertThat(settings).containsOnlyKeys("ADMIN_SECRET", "GITHUB_TOKEN", "BOT_APP_PASSWORD", "FEATURE_FLAG",
                "LOG_FORMAT", "GREETING");
    }

    @Test
    void aSettingThatAnySourceReferencesIsSecretWhateverSourceWins() throws Exception {
        // the container: .env holds the reference, a higher source (the entrypoint's environment, here the test
        // profile's overrides) holds the resolved value; and a plain .env line over a reference in application config
        String shadowed = LeakCheck.secret("plain-in-the-env-file-" + Long.toHexString(System.nanoTime()));
        Files.writeString(TestVault.envFile, TestVault.baseline + "DB_PASSWORD=@kv:db-password\n"
                + "SHADOWED_REF=" + shadowed + "\n");
        Response r = admin().get("/api/settings");
        r.then().statusCode(200);
        Map<String, Map<String, Object>> settings = byKey(r);
        assertThat(settings).containsEntry("DB_PASSWORD",
                setting("DB_PASSWORD", true, "@kv:db-password", null, "system-property"));
        assertThat(settings).containsEntry("SHADOWED_REF",
                setting("SHADOWED_REF", true, "@kv?:shadowed-in-yaml", null, "env-file"));
    }

    @Test
    void aSecretKeyWhoseReferenceInApplicationConfigIsAnotherKeysSecretIsNotWritten() {
        // GITHUB_TOKEN's current reference (application config) is @kv:admin-secret, ADMIN_SECRET's secret: a write
        // would replace the admin token
        byte[] before = Api.envBytes();
        put("{\"GITHUB_TOKEN\":" + q(LeakCheck.secret("would-overwrite-the-admin-token-'\"x")) + "}").then()
                .statusCode(409)
                .body("errors[0].key", equalTo("GITHUB_TOKEN"))
                .body("errors[0].problem", org.hamcrest.Matchers.containsString("ADMIN_SECRET"));
        assertThat(Api.envBytes()).isEqualTo(before);
        Api.assertHolds(TestVault.vault, "admin-secret", TestVault.ADMIN_SECRET);
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
    }

    @Test
    void theEnvFileAsItIsNowWinsOverApplicationConfig() {
        put("{\"FEATURE_FLAG\":\"from-env-file\"}").then().statusCode(200);
        assertThat(byKey(admin().get("/api/settings"))).containsEntry("FEATURE_FLAG",
                setting("FEATURE_FLAG", false, null, "from-env-file", "env-file"));
        put("{\"FEATURE_FLAG\":null}").then().statusCode(200);
        assertThat(byKey(admin().get("/api/settings"))).containsEntry("FEATURE_FLAG",
                setting("FEATURE_FLAG", false, null, "from-yaml", "application-config"));
    }

    @Test
    void aSecretIsStoredUnderItsReferencesNameFromApplicationConfigAfterTheEnvFileLine() throws Exception {
        String smtp = LeakCheck.secret("new-smtp-password-'\"$HOME");
        String bot = LeakCheck.secret("new-bot-password-listing");
        String github = LeakCheck.secret("new-github-token-listing");
        Files.writeString(TestVault.envFile, TestVault.baseline + "GITHUB_TOKEN=@kv:from-env-file\n");
        put("{\"SMTP_PASSWORD\":" + q(smtp) + ",\"BOT_APP_PASSWORD\":" + q(bot) + ",\"GITHUB_TOKEN\":" + q(github) + "}")
                .then().statusCode(200)
                // a plain key whose reference is only in application config: a secret, stored under that name
                .body("changes[0].key", equalTo("SMTP_PASSWORD"))
                .body("changes[0].stored", equalTo("keyvault"))
                .body("changes[0].reference", equalTo("@kv:smtp-from-yaml"))
                // the yaml reference's name, not the default bot-app-password; the optional marker is kept
                .body("changes[1].reference", equalTo("@kv?:not-in-the-vault"))
                // the .env line's reference first, over the %test one in application config (@kv:admin-secret)
                .body("changes[2].reference", equalTo("@kv:from-env-file"));
        assertThat(TestVault.vault.secretValue("smtp-from-yaml")).contains(smtp);
        assertThat(TestVault.vault.secretValue("not-in-the-vault")).contains(bot);
        assertThat(TestVault.vault.secretValue("from-env-file")).contains(github);
        assertThat(TestVault.vault.secretValue("admin-secret")).contains(TestVault.ADMIN_SECRET);
        assertThat(TestVault.vault.secretValue("smtp-password")).isEmpty();
        assertThat(TestVault.vault.secretValue("bot-app-password")).isEmpty();
        assertThat(envText()).isEqualTo(TestVault.baseline + "GITHUB_TOKEN=@kv:from-env-file\n"
                + "SMTP_PASSWORD=@kv:smtp-from-yaml\n" + "BOT_APP_PASSWORD=@kv?:not-in-the-vault\n");
        // now the .env line holds the reference and wins
        assertThat(byKey(admin().get("/api/settings"))).containsEntry("BOT_APP_PASSWORD",
                setting("BOT_APP_PASSWORD", true, "@kv?:not-in-the-vault", null, "env-file"));
    }
}
