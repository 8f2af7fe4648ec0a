package io.kvconfig.runtime.health;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.HealthCheckResponseBuilder;
import org.eclipse.microprofile.health.Readiness;

import com.azure.core.exception.ResourceNotFoundException;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.resolve.ErrorClassifier;

/**
 * Readiness: the default vault answers an authenticated request, and each {@code @kv:} reference's startup status.
 * Registered (as a bean) only when quarkus-smallrye-health is present. Never reports a value.
 * <p>
 * The probe reads a secret name that is not expected to exist: 404 (or 200) proves the vault is reachable and the
 * credential accepted; 401/403 or a connection error is DOWN with the reason.
 */
@Readiness
public class KeyVaultReadinessCheck implements HealthCheck {

    static final String NAME = "Azure Key Vault";
    static final String PROBE_SECRET = "kvconfig-readiness-probe";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    @Inject
    KeyVault keyVault;

    @Override
    public HealthCheckResponse call() {
        HealthCheckResponseBuilder b = HealthCheckResponse.named(NAME);
        List<ReferenceStatus> references = keyVault.references();
        for (ReferenceStatus r : references) {
            b.withData(r.property(), r.status().name().toLowerCase().replace('_', '-')
                    + (r.secretName() != null ? " (" + r.secretName() + ")" : ""));
        }
        if (!keyVault.configured()) {
            return b.withData("vault", "not configured").up().build();
        }
        b.withData("vault", keyVault.vaultUrl().orElse(""));
        try {
            keyVault.secrets().getSecret(PROBE_SECRET).block(TIMEOUT);
            return b.withData("reachable", true).up().build();
        } catch (ResourceNotFoundException e) {
            return b.withData("reachable", true).up().build();
        } catch (RuntimeException e) {
            // the resolver's classifier: a firewall 403 and a refused credential get different, actionable words
            ErrorClassifier.Classified c = ErrorClassifier.classify(e, keyVault.clients().credentialDescription());
            String error = (c.status() > 0 ? "HTTP " + c.status() + " " : "")
                    + c.kind().name().toLowerCase().replace('_', '-') + ": " + c.detail();
            return b.withData("reachable", false).withData("error", error).down().build();
        }
    }
}
