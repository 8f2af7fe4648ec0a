package io.kvconfig.runtime.firewall;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The last allowlisting run in this process, whichever path ran it (startup, reactive, schedule, admin API):
 * the firewall state is one per process and vault, so one holder serves the service's status endpoint.
 */
public final class FirewallStatus {

    private static final AtomicReference<AllowlistResult> LAST = new AtomicReference<>();

    private FirewallStatus() {
    }

    public static Optional<AllowlistResult> last() {
        return Optional.ofNullable(LAST.get());
    }

    static void record(AllowlistResult result) {
        LAST.set(result);
    }

    /** For tests that start several apps in one JVM. */
    public static void clear() {
        LAST.set(null);
    }
}
