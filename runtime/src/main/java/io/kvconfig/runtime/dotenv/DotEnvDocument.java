package io.kvconfig.runtime.dotenv;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A parsed {@code .env} file: its entries in order, and whether the text ended with a newline. Rendering it
 * with {@link DotEnvFormat#render(DotEnvDocument)} gives back the parsed text byte for byte.
 */
public record DotEnvDocument(List<DotEnvLine> lines, boolean endsWithNewline) {

    public static final DotEnvDocument EMPTY = new DotEnvDocument(List.of(), false);

    public DotEnvDocument {
        lines = List.copyOf(lines);
    }

    /** Key to value, in file order; a key assigned twice keeps its last value, as bash does. */
    public Map<String, String> values() {
        Map<String, String> values = new LinkedHashMap<>();
        for (DotEnvLine line : lines) {
            if (line.isAssignment()) {
                values.remove(line.key());
                values.put(line.key(), line.value());
            }
        }
        return Collections.unmodifiableMap(values);
    }

    public Optional<String> get(String key) {
        String found = null;
        for (DotEnvLine line : lines) {
            if (line.isAssignment() && line.key().equals(key)) {
                found = line.value();
            }
        }
        return Optional.ofNullable(found);
    }

    /** Lists keys only: values may be secrets. */
    @Override
    public String toString() {
        return "DotEnvDocument" + values().keySet();
    }
}
