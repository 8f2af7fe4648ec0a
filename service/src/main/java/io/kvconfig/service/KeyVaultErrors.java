package io.kvconfig.service;

import java.util.concurrent.TimeoutException;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;

import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.service.firewall.FirewallRefusedException;

/**
 * Turns a Key Vault write's or probe's failure into words and an HTTP answer kind, without the exception's message
 * (which may quote a response body) and never with a value. Connection failures and what is worth retrying are read
 * by the resolver's {@link ErrorClassifier}; the words for HTTP statuses are the writer's (e.g. the role that may set
 * secrets).
 */
final class KeyVaultErrors {

    /** UNAVAILABLE maps to HTTP 503 (try again later), REJECTED to 502 (fix something first). */
    enum Kind {
        UNAVAILABLE, REJECTED
    }

    record Described(Kind kind, String reason) {
    }

    private KeyVaultErrors() {
    }

    static Described describe(Throwable e, String credential) {
        if (e instanceof io.smallrye.mutiny.TimeoutException || e instanceof TimeoutException) {
            return new Described(Kind.UNAVAILABLE, "no answer from Key Vault in time");
        }
        Throwable auth = find(e, ClientAuthenticationException.class);
        if (auth != null && ((ClientAuthenticationException) auth).getResponse() == null) {
            return new Described(Kind.REJECTED, "authentication failed: could not get a token with " + credential);
        }
        Throwable notFixed = find(e, FirewallRefusedException.class);
        if (notFixed != null) {
            return new Described(Kind.REJECTED, firewallRefusal(e) + "; allowlisting could not fix it: "
                    + ((FirewallRefusedException) notFixed).allowlistingError());
        }
        if (ErrorClassifier.isFirewallRefusal(e)) {
            return new Described(Kind.REJECTED, firewallRefusal(e) + "; allow this address in the vault's networking "
                    + "settings, or set KEY_VAULT_RG so the service allowlists it");
        }
        Integer status = status(e);
        if (status != null) {
            return switch (status) {
                case 401 -> new Described(Kind.REJECTED, "authentication failed (HTTP 401) with " + credential);
                case 403 -> new Described(Kind.REJECTED, "access denied (HTTP 403): the identity needs permission to set "
                        + "secrets (role Key Vault Secrets Officer), or the vault firewall blocks this client");
                case 409 -> new Described(Kind.REJECTED, "conflict (HTTP 409): the secret may be deleted but not purged");
                case 429 -> new Described(Kind.UNAVAILABLE, "throttled by Key Vault (HTTP 429)");
                case 503, 504 -> new Described(Kind.UNAVAILABLE, "Key Vault unavailable (HTTP " + status + ")");
                // 500 and other errors: the vault answered but failed: a bad gateway for our caller
                default -> new Described(Kind.REJECTED, "Key Vault answered HTTP " + status);
            };
        }
        // connection-level failures in the resolver's words (refused, reset stream, TLS, DNS), never a body
        Classified c = ErrorClassifier.classify(e, credential);
        if (c.kind() == FailureKind.UNREACHABLE) {
            return new Described(Kind.UNAVAILABLE, "Key Vault unreachable: " + c.detail());
        }
        return new Described(Kind.REJECTED, "failed (" + e.getClass().getSimpleName() + ")");
    }

    /** "blocked by the Key Vault firewall (HTTP 403 ForbiddenByFirewall, client address 203.0.113.10)". */
    static String firewallRefusal(Throwable e) {
        // the classifier reads the 403's inner code and the address the vault saw (never a secret)
        Classified refusal = ErrorClassifier.firewallRefusal(e);
        String code = refusal != null && refusal.vaultCode() != null ? refusal.vaultCode() : "ForbiddenByFirewall";
        String address = refusal != null ? refusal.clientAddress() : null;
        return "blocked by the Key Vault firewall (HTTP 403 " + code
                + (address != null ? ", client address " + address : "") + ")";
    }

    static Integer status(Throwable e) {
        Throwable found = find(e, HttpResponseException.class);
        if (found instanceof HttpResponseException http && http.getResponse() != null) {
            return http.getResponse().getStatusCode();
        }
        return null;
    }

    private static Throwable find(Throwable e, Class<? extends Throwable> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return t;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return null;
    }
}
