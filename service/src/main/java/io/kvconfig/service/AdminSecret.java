package io.kvconfig.service;

import java.util.Optional;

import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.refresh.SecretsRefreshed;
import io.kvconfig.service.settings.SecretDigest;
import io.kvconfig.service.settings.SettingsValidator;
import io.quarkus.runtime.Startup;
import io.smallrye.config.SecretKeys;

/**
 * The admin API's bearer secret: {@code ADMIN_SECRET} as resolved at startup (usually {@code @kv:admin-secret}).
 * Only its SHA-256 digest is kept and tokens are compared in constant time ({@link SecretDigest}).
 * When {@code ADMIN_SECRET} is a {@code @kv:} reference and a refresh (timer, {@code POST /api/keyvault/refresh}, a
 * Key Vault event, a PUT that only rotated it) sees a new version, the new value is in effect at once and the old one
 * is refused: the digest follows {@link KeyVault#current(String)} (checked on every match, so no request ever sees the
 * old value after the refresh has completed, whatever thread fires {@link SecretsRefreshed}). Otherwise a new value
 * takes effect at the next start (the API says {@code restartRequired}).
 */
@Startup
@ApplicationScoped
public class AdminSecret {

    private static final Logger LOG = Logger.getLogger(AdminSecret.class);
    public static final String KEY = SettingsValidator.ADMIN_SECRET;

    /** Why the admin API is unavailable, when it is. */
    public enum State {
        SET, NOT_SET, UNRESOLVED_REFERENCE
    }

    @Inject
    KeyVault keyVault;

    private final SecretDigest secret = new SecretDigest();
    private volatile State state = State.NOT_SET;

    @PostConstruct
    void load() {
        // resolved references are SmallRye secret keys: readable only when unlocked
        Optional<String> value = SecretKeys.doUnlocked(() -> ConfigProvider.getConfig().getOptionalValue(KEY, String.class));
        set(value.orElse(null));
        if (state != State.SET) {
            LOG.warnf("The admin API is disabled: %s", unavailableMessage());
        }
    }

    void set(String value) {
        if (value == null || value.isEmpty()) {
            secret.set(null);
            state = State.NOT_SET;
        } else if (SecretReferenceParser.isReference(value)) {
            // left alone by quarkus.kvconfig.resolve-only: never use the reference text as the secret
            secret.set(null);
            state = State.UNRESOLVED_REFERENCE;
        } else {
            secret.set(value);
            state = State.SET;
        }
    }

    public State state() {
        return state;
    }

    /** A refresh saw new versions: take a new ADMIN_SECRET over now (names only in the event and the log). */
    void refreshed(@Observes SecretsRefreshed event) {
        if (event.properties().contains(KEY)) {
            follow();
        }
    }

    /** Takes over the reference's current value when it differs from the one in effect. Digests only. */
    private void follow() {
        Optional<String> live = keyVault == null ? Optional.empty() : keyVault.current(KEY);
        secret.newVersion(live).ifPresent(value -> {
            set(value);
            LOG.info("ADMIN_SECRET has a new version in Key Vault (refreshed): the new value is in effect, the old one is"
                    + " refused");
        });
    }

    /** Constant-time check of a presented token. */
    public boolean matches(String token) {
        follow();
        return secret.matches(token);
    }

    public String unavailableMessage() {
        return switch (state) {
            case SET -> "";
            case NOT_SET -> "The admin API is disabled because ADMIN_SECRET is not set. Store a long random value in "
                    + "Key Vault (e.g. az keyvault secret set --vault-name <vault> --name admin-secret --value <secret>), "
                    + "put ADMIN_SECRET=@kv:admin-secret in .env (or the environment) and restart the service.";
            case UNRESOLVED_REFERENCE -> "The admin API is disabled because ADMIN_SECRET is a Key Vault reference "
                    + "that was not resolved (quarkus.kvconfig.resolve-only does not list it). Add ADMIN_SECRET to "
                    + "that list, or leave the list empty, and restart the service.";
        };
    }

    @Override
    public String toString() {
        return "AdminSecret[" + state + "]";
    }
}
