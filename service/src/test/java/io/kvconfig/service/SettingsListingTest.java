package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.kvconfig.service.Api.put;
import static org.assertj.core.api.Assertions.assertThat;

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
 * value; {@code .env} still wins over application config.
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
        // not known, or only in another profile, or set nowhere
        assertThat(settings).doesNotContainKeys("UNLISTED_SETTING", "ACS_CONNECTION_STRING", "AZURE_OPENAI_API_KEY",
                "KEY_VAULT_RG");
        assertThat(r.asString()).doesNotContain(TestVault.ADMIN_SECRET);
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
}
