package io.kvconfig.runtime.firewall;

/**
 * An address that cannot go on a Key Vault firewall: not an IPv4 address, or not a public one.
 * The message names the address and the reason.
 */
public class InvalidAddressException extends IllegalArgumentException {

    public InvalidAddressException(String message) {
        super(message);
    }
}
