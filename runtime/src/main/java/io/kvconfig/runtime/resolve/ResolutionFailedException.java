package io.kvconfig.runtime.resolve;

import java.util.LinkedHashSet;
import java.util.List;

import io.quarkus.runtime.configuration.ConfigurationException;

/**
 * Startup stops with this: ONE message listing every failed reference (property, secret, reason), never a value.
 * A {@link ConfigurationException} without a cause: Quarkus prints the message of such a root cause as a
 * configuration error (no "Failed to start application" stack trace), and dev mode names the properties.
 */
public class ResolutionFailedException extends ConfigurationException {

    private static final long serialVersionUID = 1L;

    private final transient Resolution resolution;

    public ResolutionFailedException(Resolution resolution) {
        super(resolution.failureReport(), properties(resolution));
        this.resolution = resolution;
    }

    private static java.util.Set<String> properties(Resolution resolution) {
        java.util.Set<String> names = new LinkedHashSet<>();
        resolution.failures().forEach(f -> names.add(f.property()));
        return names;
    }

    public List<ResolutionFailure> failures() {
        return resolution.failures();
    }

    /** The partial outcome (what did resolve is in {@code values()}). */
    public Resolution resolution() {
        return resolution;
    }
}
