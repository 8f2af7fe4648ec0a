package io.kvconfig.service.settings;

import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
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
            // an untrusted certificate was "unreachable" before the classifier named it: the same answer
            case UNREACHABLE, TLS_UNTRUSTED -> unavailable("Key Vault unreachable: " + c.detail());
            case THROTTLED -> unavailable("throttled by Key Vault (HTTP 429)");
            // a running soft delete/recovery is retried until key-vault-timeout (SecretWriter): still running then
            case DELETION_IN_PROGRESS -> unavailable("the secret is being " + ("ObjectIsBeingRecovered".equalsIgnoreCase(
                    c.vaultCode()) ? "recovered" : "deleted") + " in Key Vault (HTTP 409 " + c.vaultCode()
                    + "), still at the write deadline; retry later");
            // 502 like every other refusal that needs a fix in the vault: the PUT itself does not conflict with the
            // service's state (409 is the settings lock's answer), and one answer covers several secrets
            case DELETED_RECOVERABLE -> rejected("the secret is deleted but recoverable (HTTP 409 "
                    + "ObjectIsDeletedButRecoverable): its name cannot be reused until it is recovered or purged; "
                    + "recover it ('az keyvault secret recover'), purge it ('az keyvault secret purge'), or choose another "
                    + "secret name");
            // authorization, not the firewall (no allowlisting): the inner code says which kind of vault it is
            case ACCESS_DENIED -> "ForbiddenByRbac".equalsIgnoreCase(c.vaultCode())
                    ? rejected("access denied (HTTP 403 ForbiddenByRbac): grant the service's identity 'Key Vault "
                            + "Secrets Officer' on the vault (or on the secret)")
                    : "AccessDenied".equalsIgnoreCase(c.vaultCode())
                            ? rejected("access denied (HTTP 403 AccessDenied): the vault uses access policies; give the "
                                    + "service's identity an access policy with the secret permission 'set'")
                            : rejected("access denied (HTTP 403): the identity needs permission to set secrets (role Key "
                                    + "Vault Secrets Officer, or the access-policy permission 'set')");
            case DISABLED -> rejected("access denied (HTTP 403): the identity needs permission to set "
                    + "secrets (role Key Vault Secrets Officer), or the vault firewall blocks this client");
            case AUTHENTICATION_FAILED -> rejected(status != 0 ? "authentication failed (HTTP " + status + ") with "
                    + credential : "authentication failed: could not get a token with " + credential);
            // no token was sent: the classifier's detail names the resource, and the setting for a local test vault
            case CHALLENGE_RESOURCE_MISMATCH -> rejected(c.kind().words() + ": " + c.detail());
            default -> status != 0 ? answered(status) : rejected("failed (" + e.getClass().getSimpleName() + ")");
        };
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
