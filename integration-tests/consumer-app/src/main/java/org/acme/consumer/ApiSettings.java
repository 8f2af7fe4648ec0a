package org.acme.consumer;

import io.smallrye.config.ConfigMapping;

/** The app's own settings: {@code key} is a {@code @kv:} reference in application.properties, {@code name} is plain. */
@ConfigMapping(prefix = "consumer.api")
public interface ApiSettings {

    /** The API key, resolved from Key Vault at startup. */
    String key();

    /** A plain value, next to the reference. */
    String name();
}
