package io.kvconfig.runtime.reference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class SecretReferenceParserTest {

    static final String V32 = "0123456789abcdef0123456789abcdef";
    static final String N127 = "a".repeat(127);

    static Stream<Arguments> goodForms() {
        return Stream.of(
                // short form
                Arguments.of("@kv:db-password", null, "db-password", null, false),
                Arguments.of("@kv:a", null, "a", null, false),
                Arguments.of("@kv:0", null, "0", null, false),
                Arguments.of("@kv:-", null, "-", null, false),
                Arguments.of("@kv:My-Secret-01", null, "My-Secret-01", null, false),
                Arguments.of("@kv:" + N127, null, N127, null, false),
                Arguments.of("@kv:db-password/" + V32, null, "db-password", V32, false),
                Arguments.of("@kv:db-password/ABCDEF0123", null, "db-password", "ABCDEF0123", false),
                Arguments.of("@kv:n/" + "z".repeat(64), null, "n", "z".repeat(64), false),
                Arguments.of("@kv:n/1", null, "n", "1", false),
                // optional marker
                Arguments.of("@kv?:db-password", null, "db-password", null, true),
                Arguments.of("@kv?:db-password/" + V32, null, "db-password", V32, true),
                // surrounding whitespace is ignored
                Arguments.of("  @kv:db-password  ", null, "db-password", null, false),
                Arguments.of("@kv:db-password\r", null, "db-password", null, false),
                Arguments.of("\t@kv?:x\n", null, "x", null, true),
                // URI form, public and sovereign clouds, custom ports
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/db-password",
                        "https://myvault.vault.azure.net", "db-password", null, false),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/db-password/",
                        "https://myvault.vault.azure.net", "db-password", null, false),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/db-password/" + V32,
                        "https://myvault.vault.azure.net", "db-password", V32, false),
                Arguments.of("@kv:https://myvault.vault.azure.cn/secrets/s1",
                        "https://myvault.vault.azure.cn", "s1", null, false),
                Arguments.of("@kv:https://myvault.vault.usgovcloudapi.net/secrets/s1/" + V32,
                        "https://myvault.vault.usgovcloudapi.net", "s1", V32, false),
                Arguments.of("@kv:https://myvault.vault.microsoftazure.de/secrets/s1",
                        "https://myvault.vault.microsoftazure.de", "s1", null, false),
                Arguments.of("@kv:https://myhsm.managedhsm.azure.net/secrets/s1",
                        "https://myhsm.managedhsm.azure.net", "s1", null, false),
                Arguments.of("@kv:https://localhost:8443/secrets/s1",
                        "https://localhost:8443", "s1", null, false),
                Arguments.of("@kv:https://127.0.0.1:8443/secrets/s1/" + V32,
                        "https://127.0.0.1:8443", "s1", V32, false),
                Arguments.of("@kv:https://MyVault.Vault.Azure.NET:443/secrets/S1",
                        "https://myvault.vault.azure.net", "S1", null, false),
                Arguments.of("@kv:HTTPS://myvault.vault.azure.net/secrets/s1",
                        "https://myvault.vault.azure.net", "s1", null, false),
                Arguments.of("@kv?:https://myvault.vault.azure.net/secrets/s1",
                        "https://myvault.vault.azure.net", "s1", null, true),
                Arguments.of(" @kv?:https://localhost:1/secrets/s1/ ", "https://localhost:1", "s1", null, true));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("goodForms")
    void parsesGoodForms(String text, String vault, String name, String version, boolean optional) {
        assertThat(SecretReferenceParser.isReference(text)).isTrue();
        SecretReference ref = SecretReferenceParser.parse(text);
        assertThat(ref).isEqualTo(new SecretReference(vault, name, version, optional));
        // canonical text parses back to the same reference
        assertThat(SecretReferenceParser.parse(ref.toReferenceString())).isEqualTo(ref);
    }

    static Stream<Arguments> badForms() {
        return Stream.of(
                Arguments.of("@kv:", "secret name is missing"),
                Arguments.of("@kv?:", "secret name is missing"),
                Arguments.of("  @kv:  ", "secret name is missing"),
                Arguments.of("@kv:db_password", "contains '_'"),
                Arguments.of("@kv:db.password", "contains '.'"),
                Arguments.of("@kv:db password", "whitespace"),
                Arguments.of("@kv:db\tpassword", "whitespace"),
                Arguments.of("@kv:db\npassword", "whitespace"),
                Arguments.of("@kv:db\u0000x", "control character"),
                Arguments.of("@kv:pässword", "U+00E4"),
                Arguments.of("@kv:" + "a".repeat(128), "128 characters"),
                Arguments.of("@kv:name/", "version after '/' is empty"),
                Arguments.of("@kv:/v1", "secret name is empty"),
                Arguments.of("@kv:a/b/c", "too many '/'"),
                Arguments.of("@kv:name/ver-sion", "contains '-'"),
                Arguments.of("@kv:name/" + "a".repeat(65), "65 characters"),
                Arguments.of("@kv:name/v%31", "contains '%'"),
                Arguments.of("@kv:name?x=1", "contains '?'"),
                Arguments.of("@kv:name#frag", "contains '#'"),
                Arguments.of("@kv:$(whoami)", "contains '$'"),
                Arguments.of("@kv:'name'", "contains '''"),
                Arguments.of("@kv:http://myvault.vault.azure.net/secrets/s1", "only https"),
                Arguments.of("@kv:ftp://myvault.vault.azure.net/secrets/s1", "only https"),
                Arguments.of("@kv:https:/myvault.vault.azure.net/secrets/s1", "host is missing"),
                Arguments.of("@kv:https:///secrets/s1", "host is missing"),
                Arguments.of("@kv:https://my_vault.vault.azure.net/secrets/s1", "host is missing or not a valid host"),
                Arguments.of("@kv:https://user@myvault.vault.azure.net/secrets/s1", "user info"),
                Arguments.of("@kv:https://user:pw@myvault.vault.azure.net/secrets/s1", "user info"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s1?api-version=7.4", "query string"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s1?", "query string"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s1#x", "fragment"),
                Arguments.of("@kv:https://myvault.vault.azure.net", "path must be /secrets/"),
                Arguments.of("@kv:https://myvault.vault.azure.net/", "path must be /secrets/"),
                Arguments.of("@kv:https://myvault.vault.azure.net/keys/k1", "path must be /secrets/"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/", "secret name is empty"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets//v1", "secret name is empty"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s1/v1/x", "extra segments"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s1/v1/", "extra segments"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s_1", "contains '_'"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s%2D1", "contains '%'"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s1/v-1", "contains '-'"),
                Arguments.of("@kv:https://myvault.vault.azure.net:0/secrets/s1", "invalid port"),
                Arguments.of("@kv:https://myvault.vault.azure.net:99999/secrets/s1", "invalid port"),
                Arguments.of("@kv:https://myvault.vault.azure.net:/secrets/s1", "empty port"),
                Arguments.of("@kv:https://myvault.vault.azure.net/secrets/s 1", "whitespace"),
                Arguments.of("@kv:https://exa mple.net/secrets/s1", "whitespace"),
                Arguments.of("@kv:https://[::1/secrets/s1", "not a valid URI"),
                Arguments.of("db-password", "must start with '@kv:'"),
                Arguments.of("@KV:db-password", "must start with '@kv:'"),
                Arguments.of("kv:db-password", "must start with '@kv:'"),
                Arguments.of("", "must start with '@kv:'"));
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @MethodSource("badForms")
    void rejectsBadFormsNamingTheProblem(String text, String problem) {
        assertThatThrownBy(() -> SecretReferenceParser.parse(text))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining(problem);
    }

    @Test
    void nullIsNotAReference() {
        assertThat(SecretReferenceParser.isReference(null)).isFalse();
        assertThatThrownBy(() -> SecretReferenceParser.parse(null)).isInstanceOf(InvalidReferenceException.class);
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = { "plain", "kv:x", "@KV:x", "@kv", "@kv?", "x@kv:y", "@Kv:x", "@kv!:x", " ", "\"@kv:x\"" })
    void plainValuesAreNotReferences(String value) {
        assertThat(SecretReferenceParser.isReference(value)).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = { "@kv:", "@kv:x", "@kv?:x", " @kv:x", "@kv:bad_name", "@kv:https://h/secrets/x" })
    void malformedReferencesAreStillReferences(String value) {
        // so callers report them as invalid instead of passing "@kv:..." through as a literal
        assertThat(SecretReferenceParser.isReference(value)).isTrue();
    }

    @Test
    void messageQuotesControlCharactersVisiblyAndCutsLongInput() {
        assertThatThrownBy(() -> SecretReferenceParser.parse("@kv:a\nb"))
                .hasMessageContaining("'@kv:a\\nb'");
        String longRef = "@kv:" + "x_".repeat(200);
        assertThatThrownBy(() -> SecretReferenceParser.parse(longRef))
                .satisfies(e -> assertThat(e.getMessage()).contains("...").hasSizeLessThan(500));
    }

    static Stream<Arguments> vaultUrls() {
        return Stream.of(
                Arguments.of("https://myvault.vault.azure.net", "https://myvault.vault.azure.net"),
                Arguments.of("https://myvault.vault.azure.net/", "https://myvault.vault.azure.net"),
                Arguments.of(" https://MyVault.vault.azure.net/ ", "https://myvault.vault.azure.net"),
                Arguments.of("https://myvault.vault.azure.net:443/", "https://myvault.vault.azure.net"),
                Arguments.of("https://localhost:8443", "https://localhost:8443"),
                Arguments.of("https://127.0.0.1:8443/", "https://127.0.0.1:8443"),
                Arguments.of("https://myvault.vault.azure.cn", "https://myvault.vault.azure.cn"));
    }

    @ParameterizedTest
    @MethodSource("vaultUrls")
    void normalisesVaultUrls(String in, String out) {
        assertThat(SecretReferenceParser.normalizeVaultUrl(in)).isEqualTo(out);
    }

    static Stream<Arguments> badVaultUrls() {
        return Stream.of(
                Arguments.of("", "empty"),
                Arguments.of("   ", "empty"),
                Arguments.of("myvault.vault.azure.net", "only https"),
                Arguments.of("http://myvault.vault.azure.net", "only https"),
                Arguments.of("https://myvault.vault.azure.net/secrets", "must not have a path"),
                Arguments.of("https://myvault.vault.azure.net//", "must not have a path"),
                Arguments.of("https://myvault.vault.azure.net?x", "query"),
                Arguments.of("https://myvault.vault.azure.net#x", "fragment"),
                Arguments.of("https://u@myvault.vault.azure.net", "user info"),
                Arguments.of("https://", "not a valid URI"),
                Arguments.of("https://bad_host", "host"));
    }

    @ParameterizedTest
    @MethodSource("badVaultUrls")
    void rejectsBadVaultUrls(String in, String problem) {
        assertThatThrownBy(() -> SecretReferenceParser.normalizeVaultUrl(in))
                .isInstanceOf(InvalidReferenceException.class)
                .hasMessageContaining(problem);
    }
}
