package io.kvconfig.runtime.firewall;

/** Allowlisting could not be done; the message says why and, where possible, what to do. Never holds a secret. */
public class FirewallException extends RuntimeException {

    public FirewallException(String message) {
        super(message);
    }

    public FirewallException(String message, Throwable cause) {
        super(message, cause);
    }
}
