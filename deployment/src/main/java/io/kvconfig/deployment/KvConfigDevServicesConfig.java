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
     * production build). With a state file: a name the vault lacks is set; a seed changed since it was last applied
     * becomes a new version (logged by name); an unchanged seed leaves the secret as it is, so a value set (or a
     * deletion made) since, e.g. through the API, survives restarts.
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
     * Whether the app allowlists itself on the dev vault's firewall, as {@code KEY_VAULT_RG} turns it on
     * against Azure: the Dev Service then sets {@code quarkus.kvconfig.firewall.resource-group} to the dev vault's
     * resource group, so the app (and {@code POST /api/keyvault/firewall/allowlist} in the service) runs the whole flow
     * through the dev vault's emulated Resource Manager. Default: {@code true} in dev mode, {@code false} in test mode.
     * A resource group the app sets itself ({@code quarkus.kvconfig.firewall.resource-group} or {@code KEY_VAULT_RG})
     * wins over the dev vault's. The Dev Service also sets {@code quarkus.kvconfig.firewall.when=on-refusal}: allowlisting
     * runs when the dev vault's firewall refuses a request (the first start on a fresh dev vault), so a restart whose
     * rule is already there sends no Resource Manager or IP echo request; an app's own
     * {@code quarkus.kvconfig.firewall.when} wins ({@code startup} runs it before resolving, on every start).
     */
    Optional<Boolean> allowlisting();

    /**
     * The dev vault firewall's default action at start, {@code Allow} or {@code Deny}. Default: {@code Deny} when
     * {@code allowlisting} is on (the flow then has a rule to add), else {@code Allow}. With {@code Deny} and
     * allowlisting off, set {@code quarkus.kvconfig.firewall.resource-group=${kvconfig.dev-vault.resource-group}} to
     * exercise allowlisting against the dev vault's emulated Resource Manager.
     */
    Optional<String> firewallDefaultAction();

    /**
     * File where the dev vault keeps its secrets (and firewall rules), so they survive dev-mode restarts and new runs.
     * Relative paths are resolved from the working directory. Default in dev mode:
     * {@code .kvconfig-dev-vault/state.json}, beside the working directory's {@code .env} whose {@code @kv:}
     * references it answers, so the two are kept and removed together ({@code mvn clean} keeps both; git-ignore
     * {@code .kvconfig-dev-vault/}); deleting that directory resets the dev vault to its seeds. Default in test mode:
     * none, so every test run starts from the seeds (the dev vault's TLS material then goes to a temp directory).
     */
    Optional<String> stateFile();
}
