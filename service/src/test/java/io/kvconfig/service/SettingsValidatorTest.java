package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.settings.SettingsPlanner;
import io.kvconfig.service.settings.SettingsValidator;
import io.kvconfig.service.settings.WritePolicy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

/** The pure validator (the API tests cover the HTTP side). */
class SettingsValidatorTest {

    private final SettingsValidator validator = new SettingsValidator(new ObjectMapper(), Set.of("SECRET"), 100);

    @Test
    void validBodyInOrderWithRemovals() {
        SettingsValidator.Result r = validator.validate("{\"B\":\"2\",\"A\":\"1\",\"C\":null,\"D\":\"\",\"SECRET\":\"l1\\nl2\\t\\r\"}");
        assertThat(r.valid()).isTrue();
        assertThat(r.changes()).containsExactly(java.util.Map.entry("B", "2"), java.util.Map.entry("A", "1"),
                entry("C", null), entry("D", null), java.util.Map.entry("SECRET", "l1\nl2\t\r"));
        assertThat(r.toString()).doesNotContain("l1");
    }

    private static java.util.Map.Entry<String, String> entry(String k, String v) {
        return new java.util.AbstractMap.SimpleEntry<>(k, v);
    }

    @Test
    void emojiAndValidSurrogatePairsAreFine() {
        assertThat(validator.validate("{\"A\":\"😀 é\"}").valid()).isTrue();
    }

    @Test
    void keyNamesAtTheLimits() {
        assertThat(validator.validate("{\"" + "A".repeat(127) + "\":\"x\"}").valid()).isTrue();
        assertThat(validator.validate("{\"A1_\":\"x\"}").valid()).isTrue();
        assertThat(validator.validate("{\"a\":\"x\"}").problems()).hasSize(1);
    }

    @Test
    void referencesAreCheckedWithoutEchoingThem() {
        SettingsValidator.Result r = validator.validate("{\"A\":\"@kv:not_valid_hunter2\"}");
        assertThat(r.problems()).hasSize(1);
        assertThat(r.problems().get(0).problem()).doesNotContain("hunter2");
        assertThat(validator.validate("{\"A\":\"  @kv:fine  \"}").valid()).isTrue();
    }

    @Test
    void defaultSecretNames() {
        assertThat(SettingsPlanner.defaultSecretName("BOT_APP_PASSWORD")).isEqualTo("bot-app-password");
        assertThat(SettingsPlanner.defaultSecretName("A1")).isEqualTo("a1");
        assertThat(SettingsPlanner.validSecretName("gh-token")).isTrue();
        assertThat(SettingsPlanner.validSecretName("gh_token")).isFalse();
        assertThat(SettingsPlanner.validSecretName("x".repeat(128))).isFalse();
    }

    @Test
    void adminSecretComparison() {
        AdminSecret secret = new AdminSecret();
        assertThat(secret.state()).isEqualTo(AdminSecret.State.NOT_SET);
        assertThat(secret.matches("anything")).isFalse();
        secret.set("s3cret");
        assertThat(secret.state()).isEqualTo(AdminSecret.State.SET);
        assertThat(secret.matches("s3cret")).isTrue();
        assertThat(secret.matches("s3cret ")).isFalse();
        assertThat(secret.matches("")).isFalse();
        assertThat(secret.matches(null)).isFalse();
        assertThat(secret.toString()).doesNotContain("s3cret");
        secret.set("@kv:admin-secret");
        assertThat(secret.state()).isEqualTo(AdminSecret.State.UNRESOLVED_REFERENCE);
        assertThat(secret.matches("@kv:admin-secret")).isFalse();
        assertThat(secret.unavailableMessage()).contains("resolve-only");
        secret.set("");
        assertThat(secret.state()).isEqualTo(AdminSecret.State.NOT_SET);
    }

    private static String problem(SettingsValidator v, String key, String value) throws Exception {
        SettingsValidator.Result r = v.validate("{" + Api.q(key) + ":" + Api.q(value) + "}");
        assertThat(r.problems()).as(key + " problems").hasSizeLessThanOrEqualTo(1);
        return r.valid() ? null : r.problems().get(0).problem();
    }

    private final SettingsValidator prod = new SettingsValidator(new ObjectMapper(), Set.of("ADMIN_SECRET"), 1000);
    private final SettingsValidator devOrTest = new SettingsValidator(new ObjectMapper(), Set.of("ADMIN_SECRET"), 1000,
            WritePolicy.defaults(), true);

    @Test
    void adminSecretRules() throws Exception {
        assertThat(problem(prod, "ADMIN_SECRET", "0123456789abcdef")).isNull();
        assertThat(problem(prod, "ADMIN_SECRET", "😀".repeat(16))).as("16 characters, not 16 chars of UTF-16").isNull();
        assertThat(problem(prod, "ADMIN_SECRET", "😀".repeat(8))).contains("at least 16 characters");
        assertThat(problem(prod, "ADMIN_SECRET", "0123456789abcde")).contains("at least 16 characters");
        assertThat(problem(prod, "ADMIN_SECRET", "@kv:admin-secret")).as("a reference").isNull();
        for (String bad : new String[] { "0123456789abcdef\n", "0123456789abcdef\r", "\t0123456789abcdef",
                "01234567 89abcdef", "01234567\u00a089abcdef", "01234567\u200389abcdef", "0123456789abcdef\u2028" }) {
            assertThat(problem(prod, "ADMIN_SECRET", bad)).as(bad).contains("whitespace or control characters")
                    .doesNotContain("0123");
        }
    }

    @Test
    void keyVaultUrlMustBeAnAzureKeyVault() throws Exception {
        for (String ok : new String[] { "https://my-vault.vault.azure.net", "https://my-vault.vault.azure.net/",
                "https://MY-VAULT.VAULT.AZURE.NET", "https://cn-vault.vault.azure.cn",
                "https://gov-vault.vault.usgovcloudapi.net", "https://de-vault.vault.microsoftazure.de" }) {
            assertThat(problem(prod, "KEY_VAULT_URL", ok)).as(ok).isNull();
        }
        for (String bad : new String[] { "not a url", "my-vault", "http://my-vault.vault.azure.net",
                "https://attacker.example", "https://vault.azure.net", "https://a.b.vault.azure.net",
                "https://my-vault.vault.azure.net.attacker.example", "https://my-vault.vault.azure.net/secrets/x",
                "https://user@my-vault.vault.azure.net", "https://localhost:8443", "https://127.0.0.1",
                "@kv:vault-url" }) {
            assertThat(problem(prod, "KEY_VAULT_URL", bad)).as(bad).startsWith("KEY_VAULT_URL ")
                    .doesNotContain("attacker");
        }
        // the dev vault, in dev and test mode only
        assertThat(problem(devOrTest, "KEY_VAULT_URL", "https://localhost:8443")).isNull();
        assertThat(problem(devOrTest, "KEY_VAULT_URL", "https://127.0.0.2:8443")).isNull();
        assertThat(problem(devOrTest, "KEY_VAULT_URL", "https://[::1]:8443")).isNull();
        assertThat(problem(devOrTest, "KEY_VAULT_URL", "https://attacker.example")).contains("or loopback in dev/test");
        assertThat(problem(devOrTest, "KEY_VAULT_URL", "https://localhost.attacker.example")).isNotNull();
    }

    @Test
    void referencesMayOnlyPointAtKeyVaultHosts() throws Exception {
        assertThat(problem(prod, "A", "@kv:https://other.vault.azure.net/secrets/x")).isNull();
        assertThat(problem(prod, "A", "@kv?:https://other.vault.azure.cn/secrets/x/0123")).isNull();
        assertThat(problem(prod, "A", "@kv:name")).isNull();
        assertThat(problem(prod, "A", "@kv:https://attacker.example/secrets/x")).contains("is not an Azure Key Vault host");
        assertThat(problem(prod, "A", "@kv:https://localhost:1/secrets/x")).contains("is not an Azure Key Vault host");
        assertThat(problem(devOrTest, "A", "@kv:https://localhost:1/secrets/x")).isNull();
    }

    @Test
    void protectedKeysAreRefusedWithTheirReasonAndEveryOtherProblemStillListed() {
        SettingsValidator.Result r = prod.validate("{\"JAVA_TOOL_OPTIONS\":\"-javaagent:/tmp/a.jar\",\"UID\":\"0\","
                + "\"QUARKUS_KVCONFIG_URL\":\"https://attacker.example\",\"GOOD\":\"fine\",\"bad\":\"x\"}");
        assertThat(r.valid()).isFalse();
        assertThat(r.problems()).extracting(ApiError.Problem::key).containsExactly("JAVA_TOOL_OPTIONS", "UID",
                "QUARKUS_KVCONFIG_URL", "bad");
        assertThat(r.problems().get(0).problem()).contains("JVM or dynamic loader option").doesNotContain("javaagent");
        assertThat(r.problems().get(1).problem()).contains("bash special or read-only variable");
        assertThat(r.problems().get(2).problem()).contains("Quarkus").doesNotContain("attacker");
    }
}
