package io.kvconfig.runtime.resolve;

import java.util.List;

/** Startup stops with this: ONE message listing every failed reference (property, secret, reason), never a value. */
public class ResolutionFailedException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    private final transient Resolution resolution;

    public ResolutionFailedException(Resolution resolution) {
        super(resolution.failureReport());
        this.resolution = resolution;
    }

    public List<ResolutionFailure> failures() {
        return resolution.failures();
    }

    /** The partial outcome (what did resolve is in {@code values()}). */
    public Resolution resolution() {
        return resolution;
    }
}
