package io.kvconfig.runtime.firewall;

import java.time.Instant;

/**
 * What one allowlisting run did. Serialises as-is to JSON (the service's {@code GET /api/keyvault/firewall}).
 *
 * @param vault the vault resource name (null when it could not be determined)
 * @param ip the detected public IPv4 address (null when detection failed)
 * @param added a rule for {@code ip} was added by this run
 * @param alreadyPresent an existing rule (exact or CIDR) already covered {@code ip}; nothing was written
 * @param effective a data-plane call passed the firewall after the run (only checked after adding a rule and on
 *        the reactive path; false when not checked)
 * @param at when the run finished
 * @param message one line for humans: what happened
 * @param error why the run failed, null when it did not
 */
public record AllowlistResult(
        String vault,
        String ip,
        boolean added,
        boolean alreadyPresent,
        boolean effective,
        Instant at,
        String message,
        String error) {

    public boolean ok() {
        return error == null;
    }

    static AllowlistResult failed(String vault, String ip, Instant at, String error) {
        return new AllowlistResult(vault, ip, false, false, false, at, "allowlisting failed", error);
    }
}
