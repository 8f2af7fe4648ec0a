package io.kvconfig.deployment.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Consumer;

/** Finds the aggregated startup error in whatever Quarkus wrapped it in. */
public final class Failures {

    private Failures() {
    }

    /** The first throwable in the cause chain whose class has this simple name (class loaders differ). */
    public static Throwable find(Throwable t, String simpleName) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getClass().getSimpleName().equals(simpleName)) {
                return c;
            }
        }
        throw new AssertionError("no " + simpleName + " in the cause chain of " + t, t);
    }

    /** Asserts on the aggregated message of the ResolutionFailedException that stopped startup. */
    public static Consumer<Throwable> resolutionFailure(Consumer<String> messageAssertions, String... secretValues) {
        return t -> {
            String message = find(t, "ResolutionFailedException").getMessage();
            messageAssertions.accept(message);
            for (String v : secretValues) {
                assertThat(message).doesNotContain(v);
                assertThat(fullText(t)).doesNotContain(v);
            }
        };
    }

    /** Every message and toString in the cause chain, suppressed included. */
    public static String fullText(Throwable t) {
        StringBuilder sb = new StringBuilder();
        append(t, sb, 0);
        return sb.toString();
    }

    private static void append(Throwable t, StringBuilder sb, int depth) {
        if (t == null || depth > 20) {
            return;
        }
        sb.append(t).append('\n');
        for (Throwable s : t.getSuppressed()) {
            append(s, sb, depth + 1);
        }
        if (t.getCause() != t) {
            append(t.getCause(), sb, depth + 1);
        }
    }
}
