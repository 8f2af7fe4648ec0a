package io.kvconfig.runtime.dotenv;

/**
 * One logical entry of a {@code .env} file: a blank line, a comment, or an assignment. An assignment whose
 * quoted value spans several physical lines is still one entry.
 *
 * @param raw the entry's exact text, without the final line terminator (may contain inner newlines)
 * @param key the variable name for an assignment, else {@code null}
 * @param value the decoded value for an assignment, else {@code null}
 * @param exported whether the assignment had an {@code export } prefix
 * @param trailer text after the value ({@code "  # comment"}), kept when the value is rewritten; "" if none
 */
public record DotEnvLine(String raw, String key, String value, boolean exported, String trailer) {

    public static DotEnvLine verbatim(String raw) {
        return new DotEnvLine(raw, null, null, false, "");
    }

    public boolean isAssignment() {
        return key != null;
    }

    /** Never shows the value: a line may hold a secret. */
    @Override
    public String toString() {
        return isAssignment() ? "DotEnvLine[" + key + "=***]" : "DotEnvLine[comment/blank]";
    }
}
