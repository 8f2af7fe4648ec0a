package io.kvconfig.runtime.reference;

/**
 * A {@code @kv:} value (or a vault URL) that does not follow the reference syntax. The message names what is
 * wrong and quotes the offending text (references and vault URLs are not secrets).
 */
public class InvalidReferenceException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    public InvalidReferenceException(String message) {
        super(message);
    }
}
