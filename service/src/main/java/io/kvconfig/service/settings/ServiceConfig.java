package io.kvconfig.service.settings;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/**
 * The service's own settings ({@code kvconfig.service.*}; env form {@code KVCONFIG_SERVICE_*}).
 */
@ConfigMapping(prefix = "kvconfig.service")
public interface ServiceConfig {

    /** Default secret keys of the original design. */
    String DEFAULT_SECRET_KEYS = "GITHUB_TOKEN,BOT_APP_PASSWORD,ADMIN_SECRET,ACS_CONNECTION_STRING,AZURE_OPENAI_API_KEY";

    /**
     * The {@code .env} file the admin API reads and writes (bash syntax, see DotEnvFormat). Relative paths are
     * resolved against the working directory. Its values are also config of this service (ordinal 296).
     */
    @WithDefault(".env")
    String envFile();

    /** Settings whose values are secrets: stored in Key Vault, never returned by the API. */
    @WithDefault(DEFAULT_SECRET_KEYS)
    List<String> secretKeys();

    /**
     * Key Vault secret name per secret key, e.g. {@code kvconfig.service.secret-names."GITHUB_TOKEN"=gh-token}.
     * Used when the key has no {@code @kv:} reference yet; default: the key lower-cased with {@code _} as
     * {@code -}.
     */
    Map<String, String> secretNames();

    /** Plain settings listed by {@code GET /api/settings} when set in the environment only. */
    @WithDefault("KEY_VAULT_URL,KEY_VAULT_RG,KEY_VAULT_NAME")
    List<String> knownKeys();

    /** Largest accepted {@code PUT /api/settings} body in bytes; larger gets 413. */
    @WithDefault("65536")
    int maxBodyBytes();

    /** Largest value in UTF-8 bytes (Key Vault's own limit for a secret is 25 KB). */
    @WithDefault("25000")
    int maxValueBytes();

    /**
     * Time allowed for one key's Key Vault write, retries included. When the firewall refuses the write, the one
     * allowlisting run that follows is bounded by its own {@code quarkus.kvconfig.firewall.propagation-timeout}, and
     * the single retry after it gets this time again.
     */
    @WithDefault("30S")
    Duration keyVaultTimeout();

    /**
     * Retries of one Key Vault write after a transient failure (429, 5xx, connection error). A secret that Key Vault is
     * still deleting or recovering (409 ObjectIsBeingDeleted/ObjectIsBeingRecovered) is retried until
     * {@code key-vault-timeout} instead.
     */
    @WithDefault("2")
    int keyVaultRetries();

    /**
     * Key Vault calls of one {@code PUT /api/settings} in flight at once (secret writes, and the reads that check a
     * new {@code KEY_VAULT_URL}); the others wait for a free slot. Keeps one request's burst within Key Vault's
     * throttling budget, which the vault's other clients share.
     */
    @WithDefault("8")
    int keyVaultConcurrency();

    /**
     * Keys that {@code PUT /api/settings} refuses (400 naming the key, the pattern and why), unless
     * {@link #writableKeys()} lists them. Patterns are key names where {@code *} stands for any characters. The
     * default protects what would let a caller take over or brick the service at its next start: Quarkus, extension
     * and config-system settings ({@code QUARKUS_*}, {@code SMALLRYE_*}, {@code MP_*}, {@code CONFIG_ORDINAL}), this
     * service's and the entrypoint's ({@code KVCONFIG_*}, {@code APP_HOME}, {@code DATA_DIR}, {@code ENV_FILE}),
     * JVM and loader options ({@code JAVA_*}, {@code JDK_*}, {@code CLASSPATH}, {@code LD_*},
     * {@code GLIBC_TUNABLES}), the Azure credential's ({@code AZURE_*}, {@code IDENTITY_*}, {@code MSI_*},
     * {@code IMDS_*}), proxies ({@code HTTP_PROXY}, {@code HTTPS_PROXY}, {@code ALL_PROXY}, {@code NO_PROXY}) and every
     * variable bash gives a meaning to ({@code UID}, {@code EUID}, {@code PPID}, {@code IFS}, {@code PATH},
     * {@code HOME}, {@code SHELLOPTS}, {@code BASHOPTS}, {@code BASH_*}, {@code PS4}, {@code LANG}, {@code LC_*}, ...:
     * the container entrypoint sources {@code .env} with bash). The full list is {@link WritePolicy#DEFAULT_PROTECTED_KEYS}.
     * {@code KEY_VAULT_URL} and {@code ADMIN_SECRET} are writable but validated.
     */
    @WithDefault(WritePolicy.DEFAULT_PROTECTED_KEYS)
    List<String> protectedKeys();

    /**
     * Keys that {@code PUT /api/settings} may write even though a {@link #protectedKeys()} pattern matches them (same
     * pattern syntax). Default {@code AZURE_OPENAI_*}: the app's Azure OpenAI settings, not the credential's. With
     * {@code protected-keys=*} this becomes a strict allowlist.
     */
    @WithDefault(WritePolicy.DEFAULT_WRITABLE_KEYS)
    List<String> writableKeys();

    /** The Key Vault change events webhook ({@code POST /api/events/keyvault}, Event Grid delivery). */
    Events events();

    interface Events {
        /**
         * The shared secret an Event Grid subscription presents to {@code /api/events/keyvault}: as the {@code code}
         * query parameter of the webhook URL ({@code https://<service>/api/events/keyvault?code=<secret>}) or in the
         * {@code X-Kvconfig-Events-Secret} header (an Event Grid delivery property marked secret). May be a
         * {@code @kv:} reference, e.g. {@code KVCONFIG_SERVICE_EVENTS_SECRET=@kv:eventgrid-webhook-secret}; at least 16
         * characters. Unset (the default): the endpoint refuses every call (503) and nothing is refreshed by events.
         */
        Optional<String> secret();
    }
}
