package io.kvconfig.deployment;

import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The Key Vault readiness check (with quarkus-smallrye-health): whether it exists is fixed at build time.
 * <p>
 * As with Quarkus's own {@code *.health.enabled} properties; its runtime setting {@code cache-period} is in the
 * {@code quarkus.kvconfig} root.
 */
@ConfigMapping(prefix = "quarkus.kvconfig.health")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface KvConfigHealthConfig {

    /**
     * Whether the Key Vault readiness check is registered when the application has quarkus-smallrye-health. When
     * {@code false}, {@code /q/health/ready} has no Key Vault check and never calls the vault.
     */
    @WithDefault("true")
    boolean enabled();
}
