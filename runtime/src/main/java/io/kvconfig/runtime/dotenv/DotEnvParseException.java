package io.kvconfig.runtime.dotenv;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A {@code .env} file that does not follow {@link DotEnvFormat}'s grammar. Lists every problem with its line
 * number (and key where known). Messages never contain a value or a line's text: a line may hold a secret.
 */
public class DotEnvParseException extends IllegalArgumentException {

    /** One problem: 1-based line number, the key if it was recognised (else null), and what is wrong. */
    public record Problem(int line, String key, String message) {
        @Override
        public String toString() {
            return "line " + line + (key != null ? " (" + key + ")" : "") + ": " + message;
        }
    }

    private final transient List<Problem> problems;

    public DotEnvParseException(String source, List<Problem> problems) {
        super("Invalid .env file" + (source != null ? " " + source : "") + ": "
                + problems.stream().map(Problem::toString).collect(Collectors.joining("; ")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }
}
