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
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;
import java.util.Map;

import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** Without any vault: secrets are written to .env (0600) as values and the answer says so. */
@QuarkusTest
@TestProfile(Profiles.NoVault.class)
@ExtendWith(LeakCheck.class)
class NoVaultTest {

    static final String TOKEN = LeakCheck.secret("no-vault-github-token-'\"$`\n2");

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void secretsAreWrittenAsValuesWithAWarning() {
        put("{\"GITHUB_TOKEN\":" + q(TOKEN) + ",\"LOG_FORMAT\":\"text\"}").then().statusCode(200)
                .body("changes[0].stored", equalTo("env-plaintext"))
                .body("changes[0].reference", nullValue())
                .body("warnings[0]", containsString("Key Vault is not configured"))
                .body("warnings[0]", containsString("GITHUB_TOKEN"))
                .body("warnings[0]", containsString("0600"));
        assertThat(DotEnvFormat.parse(envText()).get("GITHUB_TOKEN")).contains(TOKEN);
        assertThat(envMode()).isEqualTo("rw-------");
        // the fallback is loud: a warning in the log too, naming the key, never the value
        assertThat(LeakCheck.logLines()).anyMatch(line -> line.startsWith("WARN") && line.contains("GITHUB_TOKEN")
                && line.contains("in plaintext"));
        // and GET never returns it: every field of the listing
        Response r = admin().get("/api/settings");
        r.then().statusCode(200);
        assertThat(r.jsonPath().getList("settings", Map.class)).containsExactly(
                WriteEnvFlowTest.setting("ADMIN_SECRET", true, null, null, "env-file"),
                WriteEnvFlowTest.setting("LOG_FORMAT", false, null, "text", "env-file"),
                WriteEnvFlowTest.setting("GITHUB_TOKEN", true, null, null, "env-file"),
                // the reference that only no-vault-settings.yaml holds
                WriteEnvFlowTest.setting("AZURE_OPENAI_API_KEY", true, "@kv:openai-key-from-yaml", null,
                        "application-config"));
    }

    @Test
    void anExistingReferenceIsNeverReplacedByPlaintext() throws Exception {
        Files.writeString(TestVault.envFile, envText() + "GITHUB_TOKEN=@kv:github-token\nOTHER=@kv:other\n");
        byte[] before = envBytes();
        put("{\"GITHUB_TOKEN\":" + q(TOKEN) + ",\"OTHER\":\"plain\",\"LOG_FORMAT\":\"y\"}").then().statusCode(409)
                .body("status", equalTo("conflict"))
                .body("errors[0].key", equalTo("GITHUB_TOKEN"))
                .body("errors[0].problem", containsString("refusing to replace the reference"))
                .body("errors[1].key", equalTo("OTHER"));
        assertThat(envBytes()).isEqualTo(before);
        // removing it, or pointing it at another reference, is fine
        put("{\"GITHUB_TOKEN\":\"@kv:another\",\"OTHER\":null}").then().statusCode(200);
        assertThat(envText()).contains("GITHUB_TOKEN=@kv:another\n").doesNotContain("OTHER");
    }

    @Test
    void aReferenceInApplicationConfigIsNeverReplacedByPlaintextEither() {
        // AZURE_OPENAI_API_KEY=@kv:openai-key-from-yaml lives only in no-vault-settings.yaml
        byte[] before = envBytes();
        put("{\"AZURE_OPENAI_API_KEY\":" + q(TOKEN) + ",\"LOG_FORMAT\":\"y\"}").then().statusCode(409)
                .body("status", equalTo("conflict"))
                .body("errors.size()", equalTo(1))
                .body("errors[0].key", equalTo("AZURE_OPENAI_API_KEY"))
                .body("errors[0].problem", containsString("refusing to replace the reference"));
        assertThat(envBytes()).isEqualTo(before);
        // pointing it at another reference is fine
        put("{\"AZURE_OPENAI_API_KEY\":\"@kv:another\"}").then().statusCode(200);
        assertThat(envText()).endsWith("AZURE_OPENAI_API_KEY=@kv:another\n");
    }

    /**
     * The Dev Service is off for this app ({@code %test}), and a dev vault that the Dev Service started for an earlier
     * app of this JVM is still registered when it starts (made so by {@link EarlierAppsDevVault}, whatever ran before):
     * its config must not reach this app, and it is closed.
     */
    @Test
    void anEarlierAppsDevVaultNeitherReachesThisAppNorKeepsRunning() {
        assertThat(EarlierAppsDevVault.url()).as("the earlier app's dev vault was started").isNotNull();
        assertThat(EarlierAppsDevVault.closed()).as("closed when this app's Dev Service step ran").isTrue();
        assertThat(EarlierAppsDevVault.requestsBeforeClose()).as("requests this app sent to it").isZero();
        assertThat(ConfigProvider.getConfig().getOptionalValue("quarkus.kvconfig.url", String.class)).isEmpty();
        assertThat(ConfigProvider.getConfig().getOptionalValue("quarkus.kvconfig.credential.identity-endpoint", String.class))
                .isEmpty();
        statusSaysNotConfigured();
    }

    @Test
    void statusSaysNotConfigured() {
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("configured", equalTo(false))
                .body("reachable", equalTo(false))
                .body("error", containsString("KEY_VAULT_URL"));
    }
}
