package io.kvconfig.service.firewall;

/**
 * A Key Vault call was refused by the vault firewall and allowlisting could not fix it. The message says why
 * allowlisting did not help (never a value); the cause is the refused call's 403.
 */
public final class FirewallRefusedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final String allowlistingError;

    public FirewallRefusedException(String allowlistingError, Throwable refusal) {
        super("refused by the Key Vault firewall; allowlisting could not fix it: " + allowlistingError, refusal, false,
                false);
        this.allowlistingError = allowlistingError;
    }

    /** Why allowlisting did not help (from the allowlisting run). */
    public String allowlistingError() {
        return allowlistingError;
    }
}
