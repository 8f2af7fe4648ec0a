package io.kvconfig.deployment;

import java.util.Map;
import java.util.Optional;

import io.quarkus.runtime.annotations.ConfigDocMapKey;
import io.quarkus.runtime.annotations.ConfigPhase;
import io.quarkus.runtime.annotations.ConfigRoot;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * Dev Service for Azure Key Vault: in dev and test mode, when no vault is configured (neither
 * {@code quarkus.kvconfig.url} nor {@code KEY_VAULT_URL}), a local dev vault is started in the JVM and the
 * extension is pointed at it, with no Azure account and no Docker.
 */
@ConfigMapping(prefix = "quarkus.kvconfig.devservices")
@ConfigRoot(phase = ConfigPhase.BUILD_TIME)
public interface KvConfigDevServicesConfig {

    /**
     * Whether the dev vault is started in dev and test mode when no vault is configured.
     */
    @WithDefault("true")
    boolean enabled();

    /**
     * Secrets seeded into the dev vault at start, by secret name (dev and test only; never used in a
     * production build). A name the state file already holds (set or deleted since, e.g. through the API) keeps its
     * value: seeds fill in missing names only.
     */
    @ConfigDocMapKey("secret-name")
    Map<String, String> secrets();

    /**
     * The public IP address the dev vault's firewall sees for this machine, and that its IP echo endpoint
     * returns.
     */
    @WithDefault("203.0.113.10")
    String publicIp();

    /**
     * The dev vault firewall's default action at start, {@code Allow} or {@code Deny}. With {@code Deny}, set
     * {@code quarkus.kvconfig.firewall.resource-group=${kvconfig.dev-vault.resource-group}} to exercise
     * allowlisting against the dev vault's emulated Resource Manager.
     */
    @WithDefault("Allow")
    String firewallDefaultAction();

    /**
     * File where the dev vault keeps its secrets, so they survive dev-mode restarts and new runs.
     * Relative paths are resolved from the working directory.
     */
    @WithDefault("target/kvconfig-dev-vault/state.json")
    String stateFile();
}
