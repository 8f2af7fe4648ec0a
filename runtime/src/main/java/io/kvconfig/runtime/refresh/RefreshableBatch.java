package io.kvconfig.runtime.refresh;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.resolve.SecretResolver;

/** What the {@link Refresher} needs from the config's reference batch (which holds the values). */
public interface RefreshableBatch {

    /**
     * An unpinned reference that has a value, as known now. No value in it.
     *
     * @param reference the parsed reference
     * @param vaultUrl the vault it reads from (normalised)
     * @param properties the properties holding it (first: the one used as its key in a refresh batch)
     * @param version the version last read (null if the vault did not say)
     */
    record Entry(SecretReference reference, String vaultUrl, List<String> properties, String version) {
        public Entry {
            properties = List.copyOf(properties);
        }
    }

    /** A new version of a reference's secret; {@code toString} never shows the value. */
    record Fetched(String value, String version) {
        @Override
        public String toString() {
            return "Fetched[version=" + version + "]";
        }
    }

    /** A snapshot of the unpinned references that have a value. */
    List<Entry> refreshable();

    /** The current value of a reference (to compare when the vault gave no version). */
    Optional<String> value(SecretReference reference);

    /** The current value of a property that is a resolved reference. */
    Optional<String> current(String property);

    /** Swaps in new values at once (readers see all or none of them). */
    void update(Map<SecretReference, Fetched> fresh);

    /**
     * The startup batch's resolver (same clients, backoff and deadline) whose firewall step only reacts to a refusal
     * (allowlisting already ran at startup).
     */
    SecretResolver refreshResolver();
}
