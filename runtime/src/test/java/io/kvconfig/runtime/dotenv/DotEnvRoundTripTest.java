package io.kvconfig.runtime.dotenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Property test of the format: any writable string, rendered by {@link DotEnvFormat}, reads back unchanged
 * through {@link DotEnvFormat#parse} and through bash ({@code set -a; . ./.env}); references also through
 * {@link Properties} (what Quarkus's built-in {@code .env} source uses).
 */
class DotEnvRoundTripTest {

    private static final long SEED = Long.getLong("dotenv.seed", 20261128L);
    private static final String[] ATOMS = { "'", "\"", "$", "#", "\\", " ", "  ", "\t", "\n", "\r", "=", "`", "!",
            "~", ":", ";", "&", "|", "<", ">", "(", ")", "{", "}", "[", "]", "*", "?", "%", "@", ",", ".", "/", "-",
            "_", "+", "a", "Z", "0", "9", "é", "ß", "日本", "😀", "\u0001", "\u001b", "\u007f", "\u0085", "\u2028",
            "${HOME}", "$(id)", "\\n", "\\'", "'\\''", "$'", "@kv:", "export ", "#!", "\u00a0" };

    @TempDir
    Path dir;

    static List<String> generated(int count) {
        Random random = new Random(SEED);
        List<String> values = new ArrayList<>();
        values.add("");
        for (String atom : ATOMS) {
            values.add(atom);
            values.add("x" + atom + "y");
        }
        while (values.size() < count) {
            int length = random.nextInt(random.nextInt(10) == 0 ? 200 : 12);
            StringBuilder value = new StringBuilder();
            for (int i = 0; i < length; i++) {
                if (random.nextInt(4) == 0) {
                    // any BMP code point that is not NUL or a lone surrogate
                    char c = (char) (1 + random.nextInt(0xD7FF));
                    value.append(c);
                } else {
                    value.append(ATOMS[random.nextInt(ATOMS.length)]);
                }
            }
            values.add(value.toString());
        }
        return values;
    }

    @Test
    void generatedValuesRoundTripThroughTheReader() {
        for (String value : generated(5000)) {
            String text = DotEnvFormat.renderAssignment("KEY", value) + "\n";
            DotEnvDocument doc = DotEnvFormat.parse(text);
            assertThat(doc.get("KEY")).as("seed %d, rendered %s", SEED, text).contains(value);
            assertThat(doc.lines()).as("one line per entry").hasSize(1);
            assertThat(DotEnvFormat.render(doc)).isEqualTo(text);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = { "C", "C.UTF-8" })
    void generatedValuesRoundTripThroughBash(String locale) throws Exception {
        List<String> values = generated(1500);
        Map<String, String> changes = new LinkedHashMap<>();
        for (int i = 0; i < values.size(); i++) {
            changes.put("K" + i, values.get(i));
        }
        Path env = dir.resolve(".env");
        new DotEnvFile(env).apply(changes);
        // One bash for all values: print each with a NUL after it (no value can contain NUL)
        StringBuilder script = new StringBuilder("set -a; . ./.env; printf '%s\\0'");
        for (int i = 0; i < values.size(); i++) {
            script.append(" \"$K").append(i).append('"');
        }
        byte[] out = bash(script.toString(), locale);
        String[] read = new String(out, StandardCharsets.UTF_8).split("\0", -1);
        assertThat(read).hasSize(values.size() + 1);
        for (int i = 0; i < values.size(); i++) {
            assertThat(read[i]).as("seed %d, value #%d", SEED, i).isEqualTo(values.get(i));
        }
        assertThat(new DotEnvFile(env).read().values()).isEqualTo(changes);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "plain", "it's \"quoted\"", "$HOME and `cmd` and $(cmd)", "a\\b\\\\c\\",
            "line1\nline2\n", " lead and trail ", "#not a comment", "k=v=w", "tab\there", "cr\rlf",
            "日本語 😀", "'", "\\'", "$'x'", "\u0001\u007f", "~/x:~/y" })
    void singleValuesThroughTheExactEntrypointCommand(String value) throws Exception {
        Files.writeString(dir.resolve(".env"), "# comment\nOTHER=1\n" + DotEnvFormat.renderAssignment("KEY", value) + "\n");
        byte[] out = bash("set -a; . ./.env; printf %s \"$KEY\"", "C");
        assertThat(new String(out, StandardCharsets.UTF_8)).isEqualTo(value);
    }

    @Test
    void handWrittenBashSyntaxReadsLikeBash() throws Exception {
        String text = "# hand written\nexport A=\"x \\\"y\\\" \\$z \\\\ \\n\"\nB=a'b c'\"d\"\\ e\nC=$'t\\tn\\nq\\''  # c\n"
                + "D='multi\nline'\nE=\"multi\nline\"\nF=cont\\\ninued\n";
        Files.writeString(dir.resolve(".env"), text);
        Map<String, String> ours = DotEnvFormat.parse(text).values();
        StringBuilder script = new StringBuilder("set -a; . ./.env; printf '%s\\0'");
        for (String key : ours.keySet()) {
            script.append(" \"$").append(key).append('"');
        }
        String[] read = new String(bash(script.toString(), "C.UTF-8"), StandardCharsets.UTF_8).split("\0", -1);
        assertThat(List.of(read).subList(0, ours.size())).containsExactlyElementsOf(ours.values());
        assertThat(ours.get("A")).isEqualTo("x \"y\" $z \\ \\n");
        assertThat(ours.get("F")).isEqualTo("continued");
    }

    @ParameterizedTest
    @ValueSource(strings = { "@kv:admin-secret", "@kv:a/0123456789abcdef", "@kv?:optional-name",
            "@kv:https://my-vault.vault.azure.net/secrets/github-token",
            "@kv:https://my-vault.vault.azure.net:443/secrets/n/v1", "@kv:https://v.vault.azure.cn/secrets/x",
            "plain-value_1.2,3+4%5=6:7/8" })
    void referencesReadTheSameThroughJavaProperties(String value) throws IOException {
        String text = "# comment\n" + DotEnvFormat.renderAssignment("GITHUB_TOKEN", value) + "\n";
        Properties properties = new Properties();
        properties.load(new StringReader(text));
        assertThat(properties.getProperty("GITHUB_TOKEN")).isEqualTo(value);
        assertThat(DotEnvFormat.parse(text).get("GITHUB_TOKEN")).contains(value);
    }

    private byte[] bash(String script, String locale) throws Exception {
        ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.DISCARD);
        pb.environment().put("LC_ALL", locale);
        Process process = pb.start();
        byte[] out = process.getInputStream().readAllBytes();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).isZero();
        return out;
    }
}
