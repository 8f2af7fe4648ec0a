package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * What a PUT may change (issue 11, findings 3-5): keys that control the service, the JVM, the credential or the bash
 * entrypoint are refused (400 naming the key and why), with {@code .env} byte for byte unchanged and no Key Vault
 * write; ordinary keys of the same table are saved. {@code KEY_VAULT_URL} and reference vault hosts must be Key Vault
 * hosts (the token-theft scenario), {@code ADMIN_SECRET} must be a usable token and cannot be removed.
 */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class WritePolicyApiTest {

    static final String VALUE = LeakCheck.secret("policy-test-value-\"'\\-" + Long.toHexString(System.nanoTime()));

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    /** key, and the words of the reason it is refused; null = an ordinary key, saved. */
    static Stream<Arguments> keys() {
        String framework = "configures Quarkus, the kvconfig extension or the config system";
        String service = "configures this service or its container entrypoint";
        String jvm = "JVM or dynamic loader option";
        String credential = "configures the Azure credential";
        String proxy = "through a proxy";
        String entrypoint = "setting of the container entrypoint";
        String bash = "bash special or read-only variable";
        return Stream.of(
                // finding 3: the service's own safeguards and sources
                Arguments.of("QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION", framework),
                Arguments.of("QUARKUS_KVCONFIG_FIREWALL_IP_ECHO_URLS", framework),
                Arguments.of("QUARKUS_KVCONFIG_URL", framework),
                Arguments.of("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT", framework),
                Arguments.of("QUARKUS_HTTP_PORT", framework),
                Arguments.of("SMALLRYE_CONFIG_PROFILE", framework),
                Arguments.of("MP_CONFIG_PROFILE", framework),
                Arguments.of("CONFIG_ORDINAL", framework),
                Arguments.of("KVCONFIG_SERVICE_ENV_FILE", service),
                Arguments.of("KVCONFIG_SERVICE_SECRET_KEYS", service),
                Arguments.of("KVCONFIG_SERVICE_PROTECTED_KEYS", service),
                Arguments.of("KVCONFIG_CLASSPATH", service),
                Arguments.of("KVCONFIG_JAVA_OPTS", service),
                Arguments.of("KVCONFIG_ALLOW_UNRESOLVED", service),
                Arguments.of("JAVA_TOOL_OPTIONS", jvm),
                Arguments.of("JDK_JAVA_OPTIONS", jvm),
                Arguments.of("JAVA_OPTS", jvm),
                Arguments.of("JAVA_OPTS_APPEND", jvm),
                Arguments.of("JAVA_HOME", jvm),
                Arguments.of("LD_PRELOAD", jvm),
                Arguments.of("LD_LIBRARY_PATH", jvm),
                Arguments.of("CLASSPATH", jvm),
                Arguments.of("GLIBC_TUNABLES", jvm),
                Arguments.of("AZURE_CLIENT_ID", credential),
                Arguments.of("AZURE_TENANT_ID", credential),
                Arguments.of("AZURE_FEDERATED_TOKEN_FILE", credential),
                Arguments.of("AZURE_AUTHORITY_HOST", credential),
                Arguments.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", credential),
                Arguments.of("AZURE_SUBSCRIPTION_ID", credential),
                Arguments.of("IDENTITY_ENDPOINT", credential),
                Arguments.of("IDENTITY_HEADER", credential),
                Arguments.of("MSI_ENDPOINT", credential),
                Arguments.of("MSI_SECRET", credential),
                Arguments.of("IMDS_ENDPOINT", credential),
                Arguments.of("HTTPS_PROXY", proxy),
                Arguments.of("HTTP_PROXY", proxy),
                Arguments.of("APP_HOME", entrypoint),
                Arguments.of("DATA_DIR", entrypoint),
                Arguments.of("ENV_FILE", entrypoint),
                // finding 4: bash's read-only and special variables (the entrypoint sources .env)
                Arguments.of("UID", bash), Arguments.of("EUID", bash), Arguments.of("PPID", bash),
                Arguments.of("SHELLOPTS", bash), Arguments.of("BASHOPTS", bash), Arguments.of("IFS", bash),
                Arguments.of("PATH", bash), Arguments.of("HOME", bash), Arguments.of("SHELL", bash),
                Arguments.of("BASH_ENV", bash), Arguments.of("BASH_XTRACEFD", bash), Arguments.of("BASH", bash),
                Arguments.of("PS4", bash), Arguments.of("ENV", bash), Arguments.of("POSIXLY_CORRECT", bash),
                Arguments.of("GROUPS", bash), Arguments.of("RANDOM", bash), Arguments.of("SECONDS", bash),
                Arguments.of("LINENO", bash), Arguments.of("HOSTNAME", bash), Arguments.of("OPTIND", bash),
                Arguments.of("OPTARG", bash), Arguments.of("PWD", bash), Arguments.of("OLDPWD", bash),
                Arguments.of("FUNCNAME", bash), Arguments.of("FUNCNEST", bash), Arguments.of("DIRSTACK", bash),
                Arguments.of("TMOUT", bash), Arguments.of("LANG", bash), Arguments.of("LC_ALL", bash),
                // ordinary keys in the same table: saved
                Arguments.of("LOG_LEVEL", null),
                Arguments.of("KEY_VAULT_RG", null),
                Arguments.of("FEATURE_JAVA", null),
                Arguments.of("MY_PATH", null),
                Arguments.of("AZURE_OPENAI_ENDPOINT", null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("keys")
    void dangerousKeysAreRefusedAndOrdinaryOnesSaved(String key, String reason) {
        byte[] before = envBytes();
        long sets = TestVault.vault.journal().count("SetSecret");
        // the dangerous key next to an ordinary secret and an ordinary plain key: the whole request is refused
        Response r = put("{" + q(key) + ":\"x\",\"GITHUB_TOKEN\":" + q(VALUE) + ",\"LOG_FORMAT\":\"text\"}");
        if (reason == null) {
            r.then().statusCode(200).body("changes[0].key", equalTo(key)).body("changes[0].stored", equalTo("env"));
            assertThat(DotEnvFormat.parse(envText()).get(key)).contains("x");
            assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(sets + 1);
            return;
        }
        r.then().statusCode(400)
                .body("status", equalTo("invalid"))
                .body("message", containsString("nothing was written"))
                .body("errors", hasSize(1))
                .body("errors[0].key", equalTo(key))
                .body("errors[0].problem", containsString("may not be written through the API"))
                .body("errors[0].problem", containsString(reason))
                .body("errors[0].problem", containsString("kvconfig.service.protected-keys"));
        assertThat(envBytes()).isEqualTo(before);
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(sets);
    }

    @Test
    void theAzureOpenAiKeyIsStillASecretKeyThatGoesToKeyVault() {
        put("{\"AZURE_OPENAI_API_KEY\":" + q(VALUE) + "}").then().statusCode(200)
                .body("changes[0].stored", equalTo("keyvault"));
        Api.assertHolds(TestVault.vault, "azure-openai-api-key", VALUE);
    }

    @Test
    void theTokenTheftScenarioIsImpossibleThroughTheApi() {
        // verification off + a reference to a foreign host: the next start would send its Key Vault token there
        byte[] before = envBytes();
        long calls = TestVault.vault.journal().total();
        put("{\"QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION\":\"false\",\"APP_TOKEN\":\"@kv:https://attacker.example/secrets/a\"}")
                .then().statusCode(400)
                .body("errors", hasSize(2))
                .body("errors[0].key", equalTo("QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION"))
                .body("errors[1].key", equalTo("APP_TOKEN"))
                .body("errors[1].problem", containsString("is not an Azure Key Vault host"))
                .body("errors[1].problem", containsString("would send its Key Vault token there"))
                .body("errors[1].problem", not(containsString("attacker.example")));
        // each half on its own is refused too, and look-alike hosts are not Key Vault hosts
        for (String host : new String[] { "attacker.example", "vault.azure.net", "a.b.vault.azure.net",
                "myvault.vault.azure.net.attacker.example", "127.0.0.1.nip.io", "myvault.managedhsm.azure.net" }) {
            put("{\"APP_TOKEN\":" + q("@kv:https://" + host + "/secrets/a") + "}").then().statusCode(400)
                    .body("errors[0].problem", containsString("is not an Azure Key Vault host"));
        }
        assertThat(envBytes()).isEqualTo(before);
        assertThat(TestVault.vault.journal().total()).isEqualTo(calls);
        // an Azure vault of any cloud is fine (written as a reference; nothing is fetched now)
        put("{\"APP_TOKEN\":\"@kv:https://other-vault.vault.azure.net/secrets/a\",\"CN_TOKEN\":"
                + "\"@kv:https://cn-vault.vault.azure.cn/secrets/b\"}").then().statusCode(200);
    }

    @Test
    void aKeyWhoseCurrentReferencePointsAtAForeignHostIsNotWrittenThere() throws Exception {
        // put there by hand: a PUT of a new value would send the vault token to that host
        java.nio.file.Files.writeString(TestVault.envFile, TestVault.BASELINE + "APP_TOKEN=@kv:https://attacker.example/secrets/a\n");
        byte[] before = envBytes();
        put("{\"APP_TOKEN\":" + q(VALUE) + "}").then().statusCode(409)
                .body("errors[0].key", equalTo("APP_TOKEN"))
                .body("errors[0].problem", containsString("is not an Azure Key Vault host"));
        assertThat(envBytes()).isEqualTo(before);
        // replacing the reference is the way out
        put("{\"APP_TOKEN\":\"@kv:app-token\"}").then().statusCode(200);
    }

    @Test
    void keyVaultUrlMustBeAKeyVaultUrl() {
        byte[] before = envBytes();
        for (String url : new String[] { "not a url", "http://my-vault.vault.azure.net", "https://attacker.example",
                "https://my-vault.vault.azure.net/secrets", "https://vault.azure.net", "@kv:kv-url", "ftp://x" }) {
            put("{\"KEY_VAULT_URL\":" + q(url) + "}").then().statusCode(400)
                    .body("errors", hasSize(1))
                    .body("errors[0].key", equalTo("KEY_VAULT_URL"))
                    .body("errors[0].problem", containsString("KEY_VAULT_URL"));
        }
        assertThat(envBytes()).isEqualTo(before);
    }

    @Test
    void keyVaultUrlShadowedByTheExtensionsSettingIsSavedWithAWarning() {
        // this profile names the vault with quarkus.kvconfig.url, which wins over KEY_VAULT_URL
        put("{\"KEY_VAULT_URL\":" + q(TestVault.vault.vaultUrl()) + "}").then().statusCode(200)
                .body("warnings[0]", containsString("quarkus.kvconfig.url"))
                .body("warnings[0]", containsString("wins over it"));
        assertThat(envText()).endsWith("KEY_VAULT_URL=" + TestVault.vault.vaultUrl() + "\n");
    }

    @Test
    void adminSecretMustBeAUsableToken() {
        byte[] before = envBytes();
        long sets = TestVault.vault.journal().count("SetSecret");
        String[][] cases = {
                { "short-15-chars!", "at least 16 characters" },
                { "a", "at least 16 characters" },
                { VALUE.replace("\"", "") + "\n", "whitespace or control characters" },
                { VALUE.replace("\"", "") + "\r\n", "whitespace or control characters" },
                { "\t" + VALUE.replace("\"", ""), "whitespace or control characters (found one at position 0)" },
                { "sixteen chars or more", "whitespace or control characters (found one at position 7)" },
                { "no-break\u00a0space-0123456789", "whitespace or control characters" } };
        for (String[] c : cases) {
            if (c[0].length() > 1) {
                LeakCheck.secret(c[0]);
            }
            put("{\"ADMIN_SECRET\":" + q(c[0]) + "}").then().statusCode(400)
                    .body("errors[0].key", equalTo("ADMIN_SECRET"))
                    .body("errors[0].problem", containsString(c[1]));
        }
        assertThat(envBytes()).isEqualTo(before);
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(sets);
        Api.assertHolds(TestVault.vault, "admin-secret", TestVault.ADMIN_SECRET);
        // 16 characters, none of them whitespace: saved
        String ok = LeakCheck.secret("Exactly-16-chars");
        put("{\"ADMIN_SECRET\":" + q(ok) + "}").then().statusCode(200).body("changes[0].stored", equalTo("keyvault"));
        Api.assertHolds(TestVault.vault, "admin-secret", ok);
    }

    @Test
    void adminSecretCannotBeRemoved() {
        byte[] before = envBytes();
        for (String body : new String[] { "{\"ADMIN_SECRET\":null}", "{\"ADMIN_SECRET\":\"\"}",
                "{\"ADMIN_SECRET\":null,\"LOG_FORMAT\":\"text\"}" }) {
            put(body).then().statusCode(409)
                    .body("status", equalTo("conflict"))
                    .body("errors", hasSize(1))
                    .body("errors[0].key", equalTo("ADMIN_SECRET"))
                    .body("errors[0].problem", containsString("turn the admin API off"));
        }
        assertThat(envBytes()).isEqualTo(before);
        // a reference is a fine new value
        put("{\"ADMIN_SECRET\":\"@kv:admin-secret\"}").then().statusCode(200);
        admin().get("/api/settings").then().statusCode(200);
    }
}
