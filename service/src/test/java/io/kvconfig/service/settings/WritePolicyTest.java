package io.kvconfig.service.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** The write policy on its own (WritePolicyApiTest drives it through the API). */
class WritePolicyTest {

    private final WritePolicy policy = WritePolicy.defaults();

    @Test
    void theDefaultListIsTheDocumentedGroups() {
        // DEFAULT_PROTECTED_KEYS is the @WithDefault string; the groups hold the reasons: one list, in both
        assertThat(List.of(WritePolicy.DEFAULT_PROTECTED_KEYS.split(","))).containsExactlyElementsOf(
                WritePolicy.defaultGroups().keySet());
    }

    @Test
    void everyVariableBashSetsOrKeepsReadOnlyIsProtected() throws Exception {
        // asked of bash itself: the variables it sets in an empty environment, and its read-only ones
        List<String> names = new ArrayList<>(bash("compgen -v"));
        for (String line : bash("readonly -p")) {
            names.add(line.replaceFirst("^declare -[a-zA-Z]+ ", "").replaceFirst("=.*", ""));
        }
        assertThat(names).contains("UID", "EUID", "PPID", "SHELLOPTS", "BASHOPTS", "IFS", "PATH", "BASH_VERSINFO");
        for (String name : names) {
            if (SettingsValidator.KEY.matcher(name).matches()) {
                assertThat(policy.refusal(name)).as(name).get().asString().contains("bash special or read-only variable");
            }
        }
    }

    private static List<String> bash(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("env", "-i", "bash", "--norc", "--noprofile", "-c", command)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out.lines().filter(l -> !l.isBlank()).toList();
    }

    @Test
    void reasonsNameThePatternAndWhy() {
        Map<String, String> expected = Map.of(
                "QUARKUS_KVCONFIG_URL", "'QUARKUS_*'",
                "KVCONFIG_SERVICE_WRITABLE_KEYS", "'KVCONFIG_*'",
                "JAVA_TOOL_OPTIONS", "'JAVA_*'",
                "LD_PRELOAD", "'LD_*'",
                "AZURE_CLIENT_ID", "'AZURE_*'",
                "IFS", "'IFS'",
                "BASH_ENV", "'BASH_*'",
                "LC_ALL", "'LC_*'");
        expected.forEach((key, pattern) -> assertThat(policy.refusal(key)).as(key).get().asString()
                .contains("may not be written through the API").contains("kvconfig.service.protected-keys pattern " + pattern));
    }

    @Test
    void ordinaryKeysAndTheValidatedOnesAreWritable() {
        for (String key : List.of("GITHUB_TOKEN", "BOT_APP_PASSWORD", "ADMIN_SECRET", "KEY_VAULT_URL", "KEY_VAULT_RG",
                "LOG_LEVEL", "DB_PASSWORD", "AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "QUARKUSX", "MY_JAVA_HOME",
                "PATHS", "USER_HOME", "BASHFUL", "LANGUAGE_MODEL")) {
            assertThat(policy.refusal(key)).as(key).isEmpty();
        }
    }

    @Test
    void anOperatorCanMakeItAnAllowlist() {
        WritePolicy strict = new WritePolicy(List.of("*"), List.of("GITHUB_TOKEN", "LOG_*"));
        assertThat(strict.writable("GITHUB_TOKEN")).isTrue();
        assertThat(strict.writable("LOG_LEVEL")).isTrue();
        assertThat(strict.refusal("BOT_APP_PASSWORD")).get().asString().contains("the operator protected it")
                .contains("pattern '*'");
        // and can open one of the default ones on purpose
        WritePolicy open = new WritePolicy(List.of(WritePolicy.DEFAULT_PROTECTED_KEYS.split(",")), List.of("LANG"));
        assertThat(open.writable("LANG")).isTrue();
        assertThat(open.writable("LC_ALL")).isFalse();
        // patterns match whole keys; '*' may stand anywhere
        WritePolicy middle = new WritePolicy(List.of("A*Z"), List.of());
        assertThat(middle.writable("ABCZ")).isFalse();
        assertThat(middle.writable("AZ")).isFalse();
        assertThat(middle.writable("ABCZX")).isTrue();
    }

    @Test
    void aPatternThatIsNotAKeyPatternIsAStartupError() {
        assertThatThrownBy(() -> new WritePolicy(List.of("QUARKUS.*"), List.of()))
                .hasMessageContaining("kvconfig.service.protected-keys").hasMessageContaining("'QUARKUS.*'");
        assertThatThrownBy(() -> new WritePolicy(List.of(), List.of("A B")))
                .hasMessageContaining("kvconfig.service.writable-keys");
    }
}
