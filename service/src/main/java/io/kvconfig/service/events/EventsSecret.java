package io.kvconfig.service.events;

import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.service.settings.SecretDigest;
import io.kvconfig.service.settings.ServiceConfig;
import io.quarkus.runtime.Startup;

/**
 * The shared secret of the Key Vault events webhook ({@value EventsApi#PROPERTY}), kept as a SHA-256 digest only and
 * compared in constant time ({@link SecretDigest}), as {@code AdminSecret} does. Unset, an
 * unresolved reference or shorter than {@value #MIN_LENGTH} characters: the webhook refuses every call (deny by
 * default).
 */
@Startup
@ApplicationScoped
public class EventsSecret {

    private static final Logger LOG = Logger.getLogger(EventsSecret.class);
    static final int MIN_LENGTH = 16;

    /** Why the webhook is unavailable, when it is. */
    public enum State {
        SET, NOT_SET, UNRESOLVED_REFERENCE, TOO_SHORT
    }

    @Inject
    ServiceConfig config;

    @Inject
    KeyVault keyVault;

    private final SecretDigest secret = new SecretDigest();
    private volatile State state = State.NOT_SET;

    @PostConstruct
    void load() {
        set(config.events().secret().orElse(null));
        if (state == State.SET) {
            LOG.infof("Key Vault events webhook enabled at %s", EventsApi.PATH);
        } else {
            LOG.debugf("Key Vault events webhook disabled: %s", unavailableMessage());
        }
    }

    /** Replaces the secret (startup, or a refreshed value). */
    void set(String value) {
        if (value == null || value.isEmpty()) {
            secret.set(null);
            state = State.NOT_SET;
        } else if (SecretReferenceParser.isReference(value)) {
            secret.set(null);
            state = State.UNRESOLVED_REFERENCE;
        } else if (value.length() < MIN_LENGTH) {
            secret.set(null);
            state = State.TOO_SHORT;
        } else {
            secret.set(value);
            state = State.SET;
        }
    }

    public State state() {
        follow();
        return state;
    }

    /**
     * A refreshed value (a {@code @kv:} reference that got a new version) is in effect at once: the digest follows
     * {@link KeyVault#current(String)} under either spelling of the property.
     */
    private void follow() {
        if (keyVault == null) {
            return;
        }
        Optional<String> live = keyVault.current(EventsApi.PROPERTY).or(() -> keyVault.current(EventsApi.ENV_PROPERTY));
        secret.newVersion(live).ifPresent(value -> {
            set(value);
            LOG.infof("%s has a new version in Key Vault (refreshed): the new value is in effect", EventsApi.PROPERTY);
        });
    }

    /** Constant-time check of a presented secret. */
    public boolean matches(String presented) {
        return secret.matches(presented);
    }

    /** Why the webhook refuses every call; empty when it is enabled. */
    public Optional<String> unavailable() {
        return state() == State.SET ? Optional.empty() : Optional.of(unavailableMessage());
    }

    String unavailableMessage() {
        return switch (state) {
            case SET -> "";
            case NOT_SET -> "The Key Vault events webhook is disabled because " + EventsApi.PROPERTY + " ("
                    + EventsApi.ENV_PROPERTY + ") is not set. Set it to a long random value (a Key Vault reference "
                    + "works too) and give the same value to the Event Grid subscription as ?code=<secret>.";
            case UNRESOLVED_REFERENCE -> "The Key Vault events webhook is disabled because " + EventsApi.PROPERTY
                    + " is a Key Vault reference that was not resolved (quarkus.kvconfig.resolve-only does not list it).";
            case TOO_SHORT -> "The Key Vault events webhook is disabled because " + EventsApi.PROPERTY
                    + " is shorter than " + MIN_LENGTH + " characters.";
        };
    }

    @Override
    public String toString() {
        return "EventsSecret[" + state + "]";
    }
}
