package io.kvconfig.service;

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
        assertThat(SettingsService.defaultSecretName("BOT_APP_PASSWORD")).isEqualTo("bot-app-password");
        assertThat(SettingsService.defaultSecretName("A1")).isEqualTo("a1");
        assertThat(SettingsService.validSecretName("gh-token")).isTrue();
        assertThat(SettingsService.validSecretName("gh_token")).isFalse();
        assertThat(SettingsService.validSecretName("x".repeat(128))).isFalse();
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
}
