package io.kvconfig.runtime.refresh;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The resolved {@code @kv:} references of the running config, as the {@code KeyVault} bean sees them: the current
 * value of each, and a refresh that re-reads the unpinned ones with the startup batch's resolver. Published by the
 * config interceptor once its batch has run (see {@code KvConfigRuntime#references()}).
 */
public interface LiveReferences {

    /** The current value of {@code property} when it is a resolved reference (as last refreshed); never logged. */
    Optional<String> current(String property);

    /** Re-reads every unpinned reference: one batch, one GET per distinct secret. */
    CompletionStage<RefreshResult> refresh();

    /**
     * Re-reads only the unpinned references to {@code secretName} in {@code vaultUrl} (already normalised): one GET,
     * or none (an empty result) when no reference matches.
     */
    CompletionStage<RefreshResult> refresh(String vaultUrl, String secretName);

    /** The references whose last refresh failed (they keep their last good value); names only. */
    List<StaleReference> stale();
}
