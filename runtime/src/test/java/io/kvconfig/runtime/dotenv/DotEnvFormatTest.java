package io.kvconfig.runtime.dotenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DotEnvFormatTest {

    private static String value(String text, String key) {
        return DotEnvFormat.parse(text).get(key).orElseThrow();
    }

    private static DotEnvParseException error(String text) {
        try {
            DotEnvFormat.parse(text);
        } catch (DotEnvParseException e) {
            return e;
        }
        throw new AssertionError("expected a parse error");
    }

    // ---- reader: structure -------------------------------------------------------------------------

    @Test
    void emptyFileHasNoEntries() {
        DotEnvDocument doc = DotEnvFormat.parse("");
        assertThat(doc.lines()).isEmpty();
        assertThat(doc.values()).isEmpty();
        assertThat(DotEnvFormat.render(doc)).isEmpty();
    }

    @Test
    void commentsBlankLinesAndAssignmentsInOrder() {
        String text = "# header\n\nA=1\n  # indented comment\n\t\nexport B=two\nC=\n";
        DotEnvDocument doc = DotEnvFormat.parse(text);
        assertThat(doc.lines()).hasSize(7);
        assertThat(doc.values()).containsExactly(Map.entry("A", "1"), Map.entry("B", "two"), Map.entry("C", ""));
        assertThat(doc.lines().get(5).exported()).isTrue();
        assertThat(doc.lines().get(2).exported()).isFalse();
        assertThat(DotEnvFormat.render(doc)).isEqualTo(text);
    }

    @ParameterizedTest
    @ValueSource(strings = { "", "\n", "\n\n", "A=1", "A=1\n", "A=1\n\n", "# c", "# c\n", "  \n  ",
            "A='x\ny'\nB=2", "A=$'\\n'  # c\r\n", "export  A=1\t# c\n", "A=\"multi\nline\"\n# end" })
    void renderOfParsedTextIsByteForByte(String text) {
        assertThat(DotEnvFormat.render(DotEnvFormat.parse(text))).isEqualTo(text);
    }

    @Test
    void lastAssignmentWinsLikeBash() {
        DotEnvDocument doc = DotEnvFormat.parse("A=1\nB=x\nA=2\n");
        assertThat(doc.get("A")).contains("2");
        assertThat(doc.values()).containsExactly(Map.entry("B", "x"), Map.entry("A", "2"));
        assertThat(DotEnvFormat.duplicateKeys(doc)).containsExactly("A");
    }

    @Test
    void trailingCommentAfterWhitespace() {
        DotEnvDocument doc = DotEnvFormat.parse("A=1 # one\nB='x y'\t#two\nC= # empty\n");
        assertThat(doc.values()).containsExactly(Map.entry("A", "1"), Map.entry("B", "x y"), Map.entry("C", ""));
        assertThat(doc.lines().get(0).trailer()).isEqualTo(" # one");
    }

    @Test
    void hashInsideAWordIsLiteral() {
        assertThat(value("A=a#b\n", "A")).isEqualTo("a#b");
        assertThat(value("A=#x\n", "A")).isEqualTo("#x");
        assertThat(value("A='a'#b\n", "A")).isEqualTo("a#b");
    }

    @Test
    void exportAsAKeyNameAndAsPrefix() {
        assertThat(value("export=1\n", "export")).isEqualTo("1");
        assertThat(value("exportX=1\n", "exportX")).isEqualTo("1");
        assertThat(value("export\t X=1\n", "X")).isEqualTo("1");
    }

    @Test
    void keysFollowBashNames() {
        assertThat(value("_a1=x", "_a1")).isEqualTo("x");
        assertThat(value("lower=x", "lower")).isEqualTo("x");
        assertThat(DotEnvFormat.isValidKey("A_1")).isTrue();
        assertThat(DotEnvFormat.isValidKey("1A")).isFalse();
        assertThat(DotEnvFormat.isValidKey("A-B")).isFalse();
        assertThat(DotEnvFormat.isValidKey("")).isFalse();
        assertThat(DotEnvFormat.isValidKey(null)).isFalse();
    }

    // ---- reader: values -----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '\u0000', ignoreLeadingAndTrailingWhitespace = false, value = {
            "A=plain => plain",
            "A=@kv:admin-secret => @kv:admin-secret",
            "A=@kv?:name/0123abc => @kv?:name/0123abc",
            "A=@kv:https://v.vault.azure.net/secrets/n/1 => @kv:https://v.vault.azure.net/secrets/n/1",
            "A='it'\\''s' => it's",
            "A='a b  c' => a b  c",
            "A='$HOME `x` \\n \"q\"' => $HOME `x` \\n \"q\"",
            "A=\"a b\" => a b",
            "A=\"q\\\"q\" => q\"q",
            "A=\"b\\\\s\" => b\\s",
            "A=\"d\\$x\" => d$x",
            "A=\"t\\`x\" => t`x",
            "A=\"keep\\n\\t\\x\" => keep\\n\\t\\x",
            "A=\"it's\" => it's",
            "A=a'b c'\"d\" => ab cd",
            "A=a\\ b => a b",
            "A=\\$x => $x",
            "A=a=b=c => a=b=c",
            "A=x*?[y]{a,b}! => x*?[y]{a,b}!",
            "A=a~b => a~b",
            "A=é日本😀 => é日本😀",
            "A=$'\\101\\60' => A0",
            "A=$'\\u0041\\U00000042' => AB",
            "A=$'\\z' => \\z",
            "A=$'é' => é",
            "A=\"\" => ",
            "A='' => ",
            "A= => ",
    })
    void decodesLikeBash(String line, String expected) {
        assertThat(value(line + "\n", "A")).isEqualTo(expected == null ? "" : expected);
    }

    @Test
    void ansiCEscapesGiveControlCharacters() {
        assertThat(value("A=$'a\\nb'\n", "A")).isEqualTo("a\nb");
        assertThat(value("A=$'\\t\\r\\\\\\'\\\"\\?'\n", "A")).isEqualTo("\t\r\\'\"?");
        assertThat(value("A=$'\\a\\b\\e\\E\\f\\v'\n", "A")).isEqualTo("\u0007\b\u001b\u001b\f\u000b");
        assertThat(value("A=$'\\x41\\x7f\\x1'\n", "A")).isEqualTo("A\u007f\u0001");
        assertThat(value("A=$'\\cA'\n", "A")).isEqualTo("\u0001");
        assertThat(value("A='\r\t'\n", "A")).isEqualTo("\r\t");
    }

    @Test
    void carriageReturnOutsideQuotesIsAnError() {
        assertThat(error("A=x\r\n").getMessage()).contains("carriage return");
        assertThat(error("\r\n").getMessage()).contains("carriage return");
        assertThat(error("A=1 \r\n").getMessage()).contains("carriage return");
    }

    @Test
    void quotedValuesMaySpanLines() {
        DotEnvDocument doc = DotEnvFormat.parse("A='l1\nl2'\nB=\"x\ny\"\nC=$'p\nq'\nD=1\n");
        assertThat(doc.values()).containsExactly(Map.entry("A", "l1\nl2"), Map.entry("B", "x\ny"),
                Map.entry("C", "p\nq"), Map.entry("D", "1"));
        assertThat(doc.lines()).hasSize(4);
    }

    @Test
    void lineContinuations() {
        assertThat(value("A=ab\\\ncd\n", "A")).isEqualTo("abcd");
        assertThat(value("A=\"ab\\\ncd\"\n", "A")).isEqualTo("abcd");
    }

    // ---- reader: errors -----------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '\u0000', ignoreLeadingAndTrailingWhitespace = false, value = {
            "A=$HOME => unquoted '$'",
            "A=a$ => unquoted '$'",
            "A=`id` => '`'",
            "A=a;b => ';'",
            "A=a&b => '&'",
            "A=a|b => '|'",
            "A=a>b => '>'",
            "A=a<b => '<'",
            "A=(x) => '('",
            "A=~/x => tilde",
            "A=a:~/x => tilde",
            "A=a b => unexpected text",
            "A= b => unexpected text",
            "A='x' y => unexpected text",
            "A=\"$HOME\" => unescaped '$'",
            "A=\"a`b`\" => unescaped '`'",
            "A='open => unterminated single",
            "A=\"open => unterminated double",
            "A=$'open => unterminated $'",
            "A=$'\\x' => without digits",
            "A=$'\\0' => NUL",
            "A=$'\\xff' => above",
            "A=$'\\u00e9' => above",
            "just words => expected KEY=value",
            "1A=x => expected KEY=value",
            "A-B=x => expected KEY=value",
            "A =x => expected KEY=value",
            "export A => expected KEY=value",
            "A => expected KEY=value",
    })
    void rejectsWhatBashWouldReadDifferently(String text, String messagePart) {
        DotEnvParseException e = error(text + "\n");
        assertThat(e.problems()).hasSize(1);
        assertThat(e.problems().get(0).line()).isEqualTo(1);
        assertThat(e.getMessage()).contains(messagePart);
    }

    @Test
    void listsEveryProblemWithLineNumbersAndKeysButNoValues() {
        DotEnvParseException e = error("OK=1\nA=sec$ret1\n# fine\nB='multi\nline' oops\nC=\"unterminated secret2\n");
        assertThat(e.problems()).extracting(DotEnvParseException.Problem::line).containsExactly(2, 4, 6);
        assertThat(e.problems()).extracting(DotEnvParseException.Problem::key).containsExactly("A", "B", "C");
        assertThat(e.getMessage()).doesNotContain("sec").doesNotContain("ret1").doesNotContain("secret2")
                .doesNotContain("multi");
    }

    @Test
    void sourceNameAppearsInMessage() {
        assertThatThrownBy(() -> DotEnvFormat.parse("A=$x", "/app/.env")).hasMessageContaining("/app/.env")
                .hasMessageContaining("line 1 (A)");
    }

    // ---- writer -------------------------------------------------------------------------------------

    @ParameterizedTest
    @CsvSource(delimiterString = " => ", quoteCharacter = '\u0000', ignoreLeadingAndTrailingWhitespace = false, value = {
            "plain => plain",
            "@kv:admin-secret => @kv:admin-secret",
            "@kv?:opt => @kv?:opt",
            "@kv:https://v.vault.azure.net:443/secrets/n/1 => @kv:https://v.vault.azure.net:443/secrets/n/1",
            "a=b,c+d%e.f_g-h => a=b,c+d%e.f_g-h",
            "a b => 'a b'",
            "it's => 'it'\\''s'",
            "$HOME => '$HOME'",
            "~x => '~x'",
            "a#b => 'a#b'",
            "back\\slash => 'back\\slash'",
            "\"q\" => '\"q\"'",
            "é => 'é'",
    })
    void rendersValues(String value, String rendered) {
        assertThat(DotEnvFormat.renderValue(value)).isEqualTo(rendered);
    }

    @Test
    void rendersControlCharactersWithAnsiCQuotingOnOneLine() {
        assertThat(DotEnvFormat.renderValue("a\nb")).isEqualTo("$'a\\nb'");
        assertThat(DotEnvFormat.renderValue("x'y\\z\t\r")).isEqualTo("$'x\\'y\\\\z\\t\\r'");
        assertThat(DotEnvFormat.renderValue("\u0001a\u007f")).isEqualTo("$'\\x01a\\x7f'");
        assertThat(DotEnvFormat.renderValue("\u00011")).isEqualTo("$'\\x011'"); // two digits: the 1 stays a 1
        assertThat(DotEnvFormat.renderValue("")).isEmpty();
        assertThat(DotEnvFormat.renderAssignment("K", "l1\nl2")).doesNotContain("\n");
    }

    @Test
    void refusesWhatAnEnvironmentVariableCannotHold() {
        assertThatThrownBy(() -> DotEnvFormat.renderValue("a\u0000b")).hasMessageContaining("NUL")
                .hasMessageNotContaining("a\u0000b");
        assertThatThrownBy(() -> DotEnvFormat.renderValue("a\ud800")).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> DotEnvFormat.renderValue("\udc00")).hasMessageContaining("surrogate");
        assertThatThrownBy(() -> DotEnvFormat.renderValue(null)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DotEnvFormat.renderAssignment("bad-key", "x")).isInstanceOf(IllegalArgumentException.class);
        assertThat(DotEnvFormat.renderValue("😀")).isEqualTo("'😀'");
    }

    // ---- apply --------------------------------------------------------------------------------------

    @Test
    void applyKeepsEverythingUntouchedByteForByte() {
        String text = "# settings\n\nA=\"old\"   # keep me\n  # note\nexport B='b'\nC=c\n\n# tail\n";
        Map<String, String> changes = new LinkedHashMap<>();
        changes.put("A", "new value");
        changes.put("B", "@kv:b-secret");
        changes.put("C", null);
        changes.put("D", "d");
        changes.put("NOPE", null);
        DotEnvDocument doc = DotEnvFormat.apply(DotEnvFormat.parse(text), changes);
        assertThat(DotEnvFormat.render(doc)).isEqualTo(
                "# settings\n\nA='new value'   # keep me\n  # note\nexport B=@kv:b-secret\n\n# tail\nD=d\n");
        assertThat(DotEnvFormat.parse(DotEnvFormat.render(doc)).values()).isEqualTo(doc.values());
    }

    @Test
    void applyRewritesTheLastAssignmentAndDropsShadowedDuplicates() {
        DotEnvDocument doc = DotEnvFormat.apply(DotEnvFormat.parse("A=1\nB=2\nA=3\n"), Map.of("A", "4"));
        assertThat(DotEnvFormat.render(doc)).isEqualTo("B=2\nA=4\n");
        DotEnvDocument removed = DotEnvFormat.apply(DotEnvFormat.parse("A=1\nB=2\nA=3\n"), mapOf("A", null));
        assertThat(DotEnvFormat.render(removed)).isEqualTo("B=2\n");
    }

    @Test
    void applyOnFileWithoutFinalNewline() {
        assertThat(DotEnvFormat.render(DotEnvFormat.apply(DotEnvFormat.parse("A=1"), Map.of("B", "2"))))
                .isEqualTo("A=1\nB=2\n");
        assertThat(DotEnvFormat.render(DotEnvFormat.apply(DotEnvFormat.parse("A=1"), Map.of("A", "2"))))
                .isEqualTo("A=2");
        assertThat(DotEnvFormat.render(DotEnvFormat.apply(DotEnvDocument.EMPTY, Map.of("A", "x y"))))
                .isEqualTo("A='x y'\n");
        assertThat(DotEnvFormat.render(DotEnvFormat.apply(DotEnvFormat.parse("A=1\n"), mapOf("A", null))))
                .isEmpty();
    }

    @Test
    void applyValidatesBeforeChangingAnything() {
        assertThatThrownBy(() -> DotEnvFormat.apply(DotEnvDocument.EMPTY, Map.of("a-b", "x")))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DotEnvFormat.apply(DotEnvDocument.EMPTY, Map.of("A", "\u0000")))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void toStringsNeverShowValues() {
        DotEnvDocument doc = DotEnvFormat.parse("SECRET=hunter2\n");
        assertThat(doc.toString()).contains("SECRET").doesNotContain("hunter2");
        assertThat(doc.lines().get(0).toString()).doesNotContain("hunter2");
    }

    private static Map<String, String> mapOf(String k, String v) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(k, v);
        return m;
    }
}
