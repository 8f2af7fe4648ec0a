package io.kvconfig.runtime.resolve;

import java.util.List;

/**
 * The one startup summary, in the same words for the extension (its INFO line) and the container CLI (stderr):
 * {@code Key Vault: resolved N references to M secrets in T ms (fetch F ms, R requests)}, then notes such as the
 * optional references that were not found, counted apart from the resolved ones. Names only, never a value. The
 * benchmarks parse this line.
 */
public final class SummaryLine {

    private SummaryLine() {
    }

    /**
     * @param references the references that got a value
     * @param secrets the distinct secrets those values came from
     * @param totalMillis the whole phase (settings, clients, credential, fetches)
     * @param fetch the resolver's own figures: its batch time and the requests it sent
     * @param notes appended as {@code "; note"} each
     */
    public static String of(long references, long secrets, long totalMillis, Resolution.Stats fetch, List<String> notes) {
        StringBuilder sb = new StringBuilder("Key Vault: resolved ").append(references).append(" references to ")
                .append(secrets).append(" secrets in ").append(totalMillis).append(" ms (fetch ")
                .append(fetch.elapsedMillis()).append(" ms, ").append(fetch.requestsSent()).append(" requests)");
        for (String note : notes) {
            sb.append("; ").append(note);
        }
        return sb.toString();
    }

    /**
     * {@code N optional reference(s) not found (left unset): NAME (secret 'x'), ...}, or null when there is none.
     */
    public static String optionalMissing(List<ResolutionFailure> skipped) {
        if (skipped.isEmpty()) {
            return null;
        }
        return skipped.size() + " optional reference" + (skipped.size() == 1 ? "" : "s") + " not found (left unset): "
                + String.join(", ", skipped.stream().map(s -> s.property() + " (secret '" + s.secretName() + "')").toList());
    }
}
