package io.kvconfig.runtime.dotenv;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The ONE {@code .env} format of this project: a subset of bash that bash reads ({@code set -a; . ./.env}) exactly
 * as this class does, so a value written here is read back unchanged by this reader, by bash in the container
 * entrypoint and, for references such as {@code @kv:name}, by Quarkus's built-in Java-properties {@code .env}
 * reader too. Pure: no I/O (see {@link DotEnvFile} for the file, {@link DotEnvConfigSource} for SmallRye Config).
 *
 * <h2>Grammar accepted by the reader</h2>
 * Lines end with {@code \n} only (a {@code \r} outside quotes is an error, so a CRLF file is reported, not
 * misread). Each entry is one of:
 * <pre>
 * entry      = blank | comment | assignment
 * blank      = [ \t]*
 * comment    = [ \t]* "#" (any char but \n)*
 * assignment = [ \t]* ["export" [ \t]+] NAME "=" value [[ \t]+ [comment]]
 * NAME       = [A-Za-z_][A-Za-z0-9_]*
 * value      = part*                      (adjacent parts concatenate, as in bash: a'b'"c" is abc)
 * part       = unquoted-char | "\" char | "\" \n | single | double | ansi
 * single     = "'" (any char but ')* "'"              literal, may span lines
 * double     = '"' (dchar | "\" any)* '"'              may span lines
 * ansi       = "$'" (achar | escape)* "'"              ANSI-C quoting
 * </pre>
 * <ul>
 * <li>Unquoted: a backslash makes the next character literal, backslash-newline is a line continuation (both
 * removed). Rejected with an error because bash would not take them literally: whitespace inside the value
 * (bash would run the rest as a command; only {@code [ \t]+# comment} may follow), {@code $} and backtick
 * (expansion), {@code ; & | < > ( )} (control operators), {@code ~} at the start or after {@code :} (tilde
 * expansion), {@code \r}. Everything else ({@code # * ? [ ] { } ! = @ :} ...) is literal inside a value,
 * like in a bash assignment (no globbing or brace expansion there); {@code #} starts a comment only after
 * whitespace.</li>
 * <li>Double quotes: {@code \"}, {@code \\}, {@code \$} and {@code \`} give the second character,
 * backslash-newline is removed, any other backslash is kept literally (bash semantics). An unescaped
 * {@code $} or backtick is rejected with an error rather than misread (bash would expand it).</li>
 * <li>ANSI-C {@code $'...'}: {@code \a \b \e \E \f \n \r \t \v \\ \' \" \?}, {@code \xH[H]}, octal
 * {@code \N[N[N]]}, <code>&#92;uH..</code> / <code>&#92;UH..</code> and {@code \cX}; escapes must give a non-NUL ASCII
 * character (bash emits raw bytes for {@code \x80..\xff}, so write non-ASCII characters literally); an
 * unknown escape keeps the backslash, as bash does.</li>
 * <li>A key assigned twice: the last assignment wins (bash semantics).</li>
 * </ul>
 *
 * <h2>What the writer produces</h2>
 * {@code KEY=value} with no {@code export} (an existing {@code export} prefix and trailing comment are kept when a
 * value is rewritten). The value is written
 * <ul>
 * <li>unquoted when it is non-empty and only contains {@code [A-Za-z0-9_@:/.,+=%?-]} and does not start with
 * {@code ~} (so {@code @kv:name}, {@code @kv?:name} and {@code @kv:https://host/secrets/name} stay unquoted and
 * {@link java.util.Properties} reads the same value);</li>
 * <li>empty as {@code KEY=};</li>
 * <li>as {@code $'...'} when it contains a control character (newline, tab, ...), so every entry stays on one
 * line; {@code \\}, {@code \'}, {@code \n}, {@code \r}, {@code \t} and {@code \xHH} (always two digits) are
 * used;</li>
 * <li>else single-quoted, an embedded {@code '} written as {@code '\''}.</li>
 * </ul>
 * NUL characters and unpaired surrogates cannot be written (an environment variable cannot hold them).
 */
public final class DotEnvFormat {

    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern SAFE_UNQUOTED = Pattern.compile("[A-Za-z0-9_@:/.,+=%?-]+");

    private DotEnvFormat() {
    }

    public static boolean isValidKey(String key) {
        return key != null && NAME.matcher(key).matches();
    }

    /** Parses a whole file. Throws {@link DotEnvParseException} listing every problem (never a value). */
    public static DotEnvDocument parse(String text) {
        return parse(text, null);
    }

    /** As {@link #parse(String)}; {@code source} (e.g. the path) only names the file in the error message. */
    public static DotEnvDocument parse(String text, String source) {
        return new Parser(text).parse(source);
    }

    /** The text of a document; for a parsed, unchanged document it is the parsed text byte for byte. */
    public static String render(DotEnvDocument document) {
        StringBuilder out = new StringBuilder();
        List<DotEnvLine> lines = document.lines();
        for (int i = 0; i < lines.size(); i++) {
            if (i > 0) {
                out.append('\n');
            }
            out.append(lines.get(i).raw());
        }
        if (document.endsWithNewline() && !lines.isEmpty()) {
            out.append('\n');
        }
        return out.toString();
    }

    /** {@code KEY=<rendered value>}. */
    public static String renderAssignment(String key, String value) {
        if (!isValidKey(key)) {
            throw new IllegalArgumentException("Not a valid .env key (must match [A-Za-z_][A-Za-z0-9_]*)");
        }
        return key + "=" + renderValue(value);
    }

    /** The value as it appears after {@code KEY=}: unquoted, single-quoted or ANSI-C quoted (see class doc). */
    public static String renderValue(String value) {
        checkWritable(value);
        if (value.isEmpty()) {
            return "";
        }
        if (SAFE_UNQUOTED.matcher(value).matches()) {
            return value;
        }
        boolean control = false;
        for (int i = 0; i < value.length(); i++) {
            if (isControl(value.charAt(i))) {
                control = true;
                break;
            }
        }
        if (!control) {
            return "'" + value.replace("'", "'\\''") + "'";
        }
        StringBuilder out = new StringBuilder(value.length() + 8).append("$'");
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\'' -> out.append("\\'");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (isControl(c)) {
                        out.append(String.format("\\x%02x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        return out.append('\'').toString();
    }

    /**
     * Returns a document with the changes applied: key to new value, or to {@code null} to remove the key.
     * An existing key is rewritten in place (its last assignment; earlier duplicates, which bash would
     * override anyway, are dropped) keeping its {@code export} prefix and trailing comment; new keys are
     * appended in the map's iteration order. Every other entry is kept as it was.
     */
    public static DotEnvDocument apply(DotEnvDocument document, Map<String, String> changes) {
        for (Map.Entry<String, String> change : changes.entrySet()) {
            if (!isValidKey(change.getKey())) {
                throw new IllegalArgumentException("Not a valid .env key (must match [A-Za-z_][A-Za-z0-9_]*)");
            }
            if (change.getValue() != null) {
                checkWritable(change.getValue());
            }
        }
        Map<String, Integer> lastIndex = new LinkedHashMap<>();
        List<DotEnvLine> lines = document.lines();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isAssignment()) {
                lastIndex.put(lines.get(i).key(), i);
            }
        }
        List<DotEnvLine> out = new ArrayList<>(lines.size() + changes.size());
        for (int i = 0; i < lines.size(); i++) {
            DotEnvLine line = lines.get(i);
            if (!line.isAssignment() || !changes.containsKey(line.key())) {
                out.add(line);
                continue;
            }
            String value = changes.get(line.key());
            if (value == null || lastIndex.get(line.key()) != i) {
                continue;
            }
            String raw = (line.exported() ? "export " : "") + renderAssignment(line.key(), value) + line.trailer();
            out.add(new DotEnvLine(raw, line.key(), value, line.exported(), line.trailer()));
        }
        boolean appended = false;
        for (Map.Entry<String, String> change : changes.entrySet()) {
            if (change.getValue() != null && !lastIndex.containsKey(change.getKey())) {
                out.add(new DotEnvLine(renderAssignment(change.getKey(), change.getValue()), change.getKey(),
                        change.getValue(), false, ""));
                appended = true;
            }
        }
        // A file that did not end with a newline gets one when a line is appended after it
        boolean endsWithNewline = document.endsWithNewline() || appended || document.lines().isEmpty();
        return new DotEnvDocument(out, !out.isEmpty() && endsWithNewline);
    }

    /** Values an environment variable cannot carry: NUL, unpaired surrogates (not encodable as UTF-8). */
    static void checkWritable(String value) {
        if (value == null) {
            throw new IllegalArgumentException("A .env value cannot be null");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                throw new IllegalArgumentException("A .env value cannot contain a NUL character");
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                    i++;
                    continue;
                }
                throw new IllegalArgumentException("A .env value cannot contain an unpaired surrogate");
            }
            if (Character.isLowSurrogate(c)) {
                throw new IllegalArgumentException("A .env value cannot contain an unpaired surrogate");
            }
        }
    }

    static boolean isControl(char c) {
        return c < 0x20 || c == 0x7f;
    }

    /** Character scanner over the whole text (a quoted value may span lines). */
    private static final class Parser {
        private final String text;
        private int pos;
        private int lineNo = 1;
        private final List<DotEnvParseException.Problem> problems = new ArrayList<>();

        Parser(String text) {
            this.text = text;
        }

        /** Thrown inside one entry; the parser records it and resumes at the next line. */
        private static final class EntryError extends RuntimeException {
            EntryError(String message) {
                super(message, null, false, false);
            }
        }

        DotEnvDocument parse(String source) {
            List<DotEnvLine> lines = new ArrayList<>();
            boolean endsWithNewline = false;
            while (pos < text.length()) {
                int start = pos;
                int startLine = lineNo;
                try {
                    DotEnvLine line = entry(start, startLine);
                    lines.add(line);
                } catch (EntryError e) {
                    problems.add(new DotEnvParseException.Problem(startLine, currentKey, e.getMessage()));
                    // Resume after the physical line where the problem was found
                    int nl = text.indexOf('\n', pos);
                    pos = nl < 0 ? text.length() : nl;
                    lines.add(DotEnvLine.verbatim(text.substring(start, pos)));
                }
                // pos is at '\n' or at the end
                if (pos < text.length()) {
                    pos++;
                    lineNo++;
                    endsWithNewline = pos == text.length();
                }
            }
            if (!problems.isEmpty()) {
                throw new DotEnvParseException(source, problems);
            }
            return new DotEnvDocument(lines, endsWithNewline);
        }

        private String currentKey;

        private DotEnvLine entry(int start, int startLine) {
            currentKey = null;
            skipBlanks();
            if (atLineEnd()) {
                return DotEnvLine.verbatim(text.substring(start, pos));
            }
            char first = text.charAt(pos);
            if (first == '#') {
                toLineEnd();
                return DotEnvLine.verbatim(text.substring(start, pos));
            }
            if (first == '\r') {
                throw new EntryError("carriage return found (CRLF line endings?); use \\n line endings");
            }
            boolean exported = false;
            if (text.startsWith("export", pos) && pos + 6 < text.length()
                    && (text.charAt(pos + 6) == ' ' || text.charAt(pos + 6) == '\t')) {
                exported = true;
                pos += 6;
                skipBlanks();
            }
            int nameStart = pos;
            while (pos < text.length() && isNameChar(text.charAt(pos), pos == nameStart)) {
                pos++;
            }
            if (pos == nameStart || pos >= text.length() || text.charAt(pos) != '=') {
                throw new EntryError("expected KEY=value (KEY matching [A-Za-z_][A-Za-z0-9_]*), a comment or a blank line");
            }
            String key = text.substring(nameStart, pos);
            currentKey = key;
            pos++; // '='
            String value = value();
            int trailerStart = pos;
            skipBlanks();
            if (!atLineEnd()) {
                if (text.charAt(pos) == '#' && pos > trailerStart) {
                    toLineEnd();
                } else if (text.charAt(pos) == '\r') {
                    throw new EntryError("carriage return found (CRLF line endings?); use \\n line endings");
                } else {
                    throw new EntryError("unexpected text after the value (bash would run it as a command);"
                            + " quote a value that contains spaces");
                }
            }
            String trailer = text.substring(trailerStart, pos);
            return new DotEnvLine(text.substring(start, pos), key, value, exported, trailer);
        }

        private String value() {
            StringBuilder out = new StringBuilder();
            int valueStart = pos;
            boolean afterColon = false;
            while (pos < text.length()) {
                char c = text.charAt(pos);
                boolean wordStart = pos == valueStart;
                switch (c) {
                    case ' ', '\t', '\n' -> {
                        return out.toString();
                    }
                    case '\'' -> {
                        pos++;
                        single(out);
                    }
                    case '"' -> {
                        pos++;
                        dbl(out);
                    }
                    case '$' -> {
                        if (pos + 1 < text.length() && text.charAt(pos + 1) == '\'') {
                            pos += 2;
                            ansi(out);
                        } else {
                            throw new EntryError("unquoted '$' would be expanded by bash; put the value in single quotes");
                        }
                    }
                    case '`' -> throw new EntryError("unquoted '`' is command substitution in bash; put the value in single quotes");
                    case ';', '&', '|', '<', '>', '(', ')' ->
                        throw new EntryError("unquoted '" + c + "' is special to bash; put the value in single quotes");
                    case '\r' -> throw new EntryError("carriage return found (CRLF line endings?); use \\n line endings,"
                            + " or write it as $'\\r'");
                    case '~' -> {
                        if (wordStart || afterColon) {
                            throw new EntryError("unquoted '~' here is tilde expansion in bash; put the value in single quotes");
                        }
                        out.append(c);
                        pos++;
                    }
                    case '\\' -> {
                        if (pos + 1 >= text.length()) {
                            throw new EntryError("backslash at the end of the file");
                        }
                        char next = text.charAt(pos + 1);
                        pos += 2;
                        if (next == '\n') {
                            lineNo++; // line continuation: both removed
                        } else {
                            out.append(next);
                        }
                    }
                    default -> {
                        out.append(c);
                        pos++;
                    }
                }
                afterColon = c == ':';
            }
            return out.toString();
        }

        private void single(StringBuilder out) {
            int end = text.indexOf('\'', pos);
            if (end < 0) {
                throw new EntryError("unterminated single-quoted value");
            }
            String part = text.substring(pos, end);
            countLines(part);
            out.append(part);
            pos = end + 1;
        }

        private void dbl(StringBuilder out) {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                switch (c) {
                    case '"' -> {
                        pos++;
                        return;
                    }
                    case '$' -> throw new EntryError("unescaped '$' in a double-quoted value would be expanded by bash;"
                            + " write \\$ or use single quotes");
                    case '`' -> throw new EntryError("unescaped '`' in a double-quoted value is command substitution in"
                            + " bash; write \\` or use single quotes");
                    case '\\' -> {
                        if (pos + 1 >= text.length()) {
                            throw new EntryError("unterminated double-quoted value");
                        }
                        char next = text.charAt(pos + 1);
                        if (next == '$' || next == '`' || next == '"' || next == '\\') {
                            out.append(next);
                        } else if (next == '\n') {
                            lineNo++; // line continuation: both removed
                        } else {
                            out.append('\\').append(next);
                        }
                        pos += 2;
                    }
                    default -> {
                        if (c == '\n') {
                            lineNo++;
                        }
                        out.append(c);
                        pos++;
                    }
                }
            }
            throw new EntryError("unterminated double-quoted value");
        }

        private void ansi(StringBuilder out) {
            while (pos < text.length()) {
                char c = text.charAt(pos);
                if (c == '\'') {
                    pos++;
                    return;
                }
                if (c != '\\') {
                    if (c == '\n') {
                        lineNo++;
                    }
                    out.append(c);
                    pos++;
                    continue;
                }
                if (pos + 1 >= text.length()) {
                    break;
                }
                char e = text.charAt(pos + 1);
                pos += 2;
                switch (e) {
                    case 'a' -> out.append('\u0007');
                    case 'b' -> out.append('\b');
                    case 'e', 'E' -> out.append('\u001b');
                    case 'f' -> out.append('\f');
                    case 'n' -> out.append('\n');
                    case 'r' -> out.append('\r');
                    case 't' -> out.append('\t');
                    case 'v' -> out.append('\u000b');
                    case '\\', '\'', '"', '?' -> out.append(e);
                    case 'x' -> out.append(code(numeric(16, 2), "\\x"));
                    case 'u' -> out.append(code(numeric(16, 4), "\\u"));
                    case 'U' -> out.append(code(numeric(16, 8), "\\U"));
                    case '0', '1', '2', '3', '4', '5', '6', '7' -> {
                        pos--;
                        out.append(code(numeric(8, 3), "octal"));
                    }
                    case 'c' -> {
                        if (pos >= text.length() || text.charAt(pos) == '\'') {
                            throw new EntryError("incomplete \\c escape in $'...'");
                        }
                        out.append(code(text.charAt(pos++) & 0x1f, "\\c"));
                    }
                    default -> {
                        // bash keeps unknown escapes as they are
                        out.append('\\').append(e);
                        if (e == '\n') {
                            lineNo++;
                        }
                    }
                }
            }
            throw new EntryError("unterminated $'...' value");
        }

        /** Reads up to maxDigits digits of the radix at pos; -1 when there is none. */
        private int numeric(int radix, int maxDigits) {
            int value = 0;
            int digits = 0;
            while (digits < maxDigits && pos < text.length() && Character.digit(text.charAt(pos), radix) >= 0
                    && text.charAt(pos) < 0x80) {
                value = value * radix + Character.digit(text.charAt(pos), radix);
                pos++;
                digits++;
            }
            return digits == 0 ? -1 : value;
        }

        private char code(int value, String escape) {
            if (value < 0) {
                throw new EntryError("escape " + escape + " without digits in $'...'");
            }
            if (value == 0) {
                throw new EntryError("escape " + escape + " gives a NUL character, which bash would cut the value at");
            }
            if (value > 0x7f) {
                throw new EntryError("escape " + escape + " above \\x7f in $'...' (bash writes raw bytes or depends on"
                        + " the locale); write the character itself");
            }
            return (char) value;
        }

        private void countLines(String part) {
            for (int i = 0; i < part.length(); i++) {
                if (part.charAt(i) == '\n') {
                    lineNo++;
                }
            }
        }

        private static boolean isNameChar(char c, boolean first) {
            return c == '_' || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (!first && c >= '0' && c <= '9');
        }

        private void skipBlanks() {
            while (pos < text.length() && (text.charAt(pos) == ' ' || text.charAt(pos) == '\t')) {
                pos++;
            }
        }

        private boolean atLineEnd() {
            return pos >= text.length() || text.charAt(pos) == '\n';
        }

        private void toLineEnd() {
            while (!atLineEnd()) {
                pos++;
            }
        }
    }

    /** Keys assigned more than once (bash: last wins); useful for warnings. */
    public static Set<String> duplicateKeys(DotEnvDocument document) {
        Set<String> seen = new HashSet<>();
        Set<String> dups = new HashSet<>();
        for (DotEnvLine line : document.lines()) {
            if (line.isAssignment() && !seen.add(line.key())) {
                dups.add(line.key());
            }
        }
        return dups;
    }
}
