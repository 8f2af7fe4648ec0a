package io.kvconfig.runtime.firewall;

import java.time.Duration;
import java.util.Locale;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.secrets.SecretAsyncClient;

/**
 * A cheap data-plane call telling whether the vault firewall lets this machine through right now. Only a 403
 * whose error is ForbiddenByFirewall / ForbiddenByConnection counts as blocked: any other answer (a page of
 * secret names, a 403 for missing data-plane permission, a 404) means the firewall is no longer in the way.
 */
@FunctionalInterface
public interface DataPlaneProbe {

    boolean passesFirewall();

    /** Lists one page of secret properties (names only, never values). */
    static DataPlaneProbe listOnePage(SecretAsyncClient client, Duration timeout) {
        return () -> {
            try {
                client.listPropertiesOfSecrets().byPage().next().block(timeout);
                return true;
            } catch (RuntimeException e) {
                return !isFirewallRefusal(e);
            }
        };
    }

    /** Is this exception (or a cause) a Key Vault 403 from the firewall or disabled public access? */
    static boolean isFirewallRefusal(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof HttpResponseException h && h.getResponse() != null && h.getResponse().getStatusCode() == 403) {
                String text = (String.valueOf(h.getMessage()) + " " + String.valueOf(h.getValue())).toLowerCase(Locale.ROOT);
                return text.contains("forbiddenbyfirewall") || text.contains("forbiddenbyconnection")
                        || text.contains("client address is not authorized");
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
