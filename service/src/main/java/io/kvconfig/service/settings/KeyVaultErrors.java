package io.kvconfig.service.settings;

import com.azure.core.exception.ClientAuthenticationException;

import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import io.kvconfig.service.firewall.FirewallRefusedException;

/**
 * The service's words for a failed Key Vault write, read or probe, and whether to answer 503 or 502. What failed is
 * the runtime's {@link ErrorClassifier} verdict ({@code FailureKind}, HTTP status, firewall refusal with the client
 * address); this class only words it for a writer (e.g. the role that may set secrets). Never the exception's
 * message (it may quote a response body), never a value.
 */
public final class KeyVaultErrors {

    /** UNAVAILABLE maps to HTTP 503 (try again later), REJECTED to 502 (fix something first). */
    public enum Kind {
        UNAVAILABLE, REJECTED
    }

    public record Described(Kind kind, String reason) {
    }

    private KeyVaultErrors() {
    }

    public static Described describe(Throwable e, String credential) {
        // the classifier reads the 403's inner code and the address the vault saw (never a secret)
        Classified refusal = ErrorClassifier.firewallRefusal(e);
        if (refusal != null) {
            String blocked = "blocked by the Key Vault firewall (HTTP 403 " + refusal.vaultCode()
                    + (refusal.clientAddress() != null ? ", client address " + refusal.clientAddress() : "") + ")";
            for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
                if (t instanceof FirewallRefusedException notFixed) {
                    return rejected(blocked + "; allowlisting could not fix it: " + notFixed.allowlistingError());
                }
            }
            return rejected(blocked + "; allow this address in the vault's networking settings, or set KEY_VAULT_RG so "
                    + "the service allowlists it");
        }
        Classified c = ErrorClassifier.classify(e, credential);
        int status = c.status();
        return switch (c.kind()) {
            case TIMED_OUT -> status == 0 ? unavailable("no answer from Key Vault in time") : answered(status);
            case UNREACHABLE -> unavailable("Key Vault unreachable: " + c.detail());
            case THROTTLED -> unavailable("throttled by Key Vault (HTTP 429)");
            case ACCESS_DENIED, DISABLED -> rejected("access denied (HTTP 403): the identity needs permission to set "
                    + "secrets (role Key Vault Secrets Officer), or the vault firewall blocks this client");
            case AUTHENTICATION_FAILED -> authentication(e, c, credential);
            default -> status != 0 ? answered(status) : rejected("failed (" + e.getClass().getSimpleName() + ")");
        };
    }

    private static Described authentication(Throwable e, Classified c, String credential) {
        if (c.status() != 0) {
            return rejected("authentication failed (HTTP " + c.status() + ") with " + credential);
        }
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof ClientAuthenticationException) {
                return rejected("authentication failed: could not get a token with " + credential);
            }
        }
        // no answer and no token failure: the SDK refused the vault's 401 challenge (its resource is not a domain of the
        // vault's host) before asking for a token; the classifier's detail names the resource
        return rejected("authentication failed: " + c.detail() + ". For a local test vault whose host is not a Key "
                + "Vault domain (the dev vault on localhost), set " + KeyVaultSettings.CHALLENGE_RESOURCE_VERIFICATION
                + "=false; never for a real vault");
    }

    /** The vault answered with an error status that no failure kind above covers. */
    private static Described answered(int status) {
        return switch (status) {
            case 409 -> rejected("conflict (HTTP 409): the secret may be deleted but not purged");
            case 503, 504 -> unavailable("Key Vault unavailable (HTTP " + status + ")");
            // 500 and other errors: the vault answered but failed: a bad gateway for our caller
            default -> rejected("Key Vault answered HTTP " + status);
        };
    }

    private static Described rejected(String reason) {
        return new Described(Kind.REJECTED, reason);
    }

    private static Described unavailable(String reason) {
        return new Described(Kind.UNAVAILABLE, reason);
    }
}
