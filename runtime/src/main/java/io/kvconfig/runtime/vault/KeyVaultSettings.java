package io.kvconfig.runtime.vault;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;

import io.kvconfig.runtime.config.KvConfigConfig;
import io.kvconfig.runtime.config.KvConfigConfig.CredentialType;
import io.kvconfig.runtime.config.KvConfigMapping;

/**
 * What the resolver and its clients need to reach Key Vault: a plain view of the {@link KvConfigConfig} mapping
 * (parsing and checks are the mapping's, see {@link KvConfigMapping}). Comparable by value, so equal settings share
 * one set of clients. {@code toString} masks the identity header and the trust store password.
 *
 * @param vaultUrl default vault, normalised ({@code https://host[:port]}); empty when none is configured
 * @param credentialType which TokenCredential to build
 * @param clientId user-assigned managed identity / workload identity client id
 * @param tenantId tenant for the credential
 * @param identityEndpoint overrides {@code IDENTITY_ENDPOINT} for the managed identity credential
 * @param identityHeader overrides {@code IDENTITY_HEADER}
 * @param trustStore PKCS12 or PEM file trusted in addition to the JDK's CAs
 * @param trustStorePassword its password
 * @param parallelism max concurrent secret requests
 * @param initialParallelism concurrent secret requests before the first answers (then widening to parallelism)
 * @param startupTimeout one deadline for the whole resolution
 * @param challengeResourceVerification false for vaults whose host is not a Key Vault domain (the dev vault)
 */
public record KeyVaultSettings(
        Optional<String> vaultUrl,
        CredentialType credentialType,
        Optional<String> clientId,
        Optional<String> tenantId,
        Optional<String> identityEndpoint,
        Optional<String> identityHeader,
        Optional<Path> trustStore,
        Optional<String> trustStorePassword,
        int parallelism,
        int initialParallelism,
        Duration startupTimeout,
        boolean challengeResourceVerification) {

    public static final String PREFIX = KvConfigMapping.PREFIX;
    public static final String URL = KvConfigMapping.URL;
    public static final String PARALLELISM = KvConfigMapping.PARALLELISM;
    public static final String INITIAL_PARALLELISM = KvConfigMapping.INITIAL_PARALLELISM;
    public static final String STARTUP_TIMEOUT = KvConfigMapping.STARTUP_TIMEOUT;
    public static final String CREDENTIAL_TYPE = PREFIX + "credential.type";
    public static final String CREDENTIAL_CLIENT_ID = PREFIX + "credential.client-id";
    public static final String CREDENTIAL_TENANT_ID = PREFIX + "credential.tenant-id";
    public static final String CREDENTIAL_IDENTITY_ENDPOINT = KvConfigMapping.IDENTITY_ENDPOINT;
    public static final String CREDENTIAL_IDENTITY_HEADER = PREFIX + "credential.identity-header";
    public static final String TLS_TRUST_STORE = PREFIX + "tls.trust-store";
    public static final String TLS_TRUST_STORE_PASSWORD = PREFIX + "tls.trust-store-password";
    public static final String CHALLENGE_RESOURCE_VERIFICATION = PREFIX + "challenge-resource-verification";

    /** The view of a (checked) mapping. */
    public static KeyVaultSettings from(KvConfigConfig c) {
        return new KeyVaultSettings(KvConfigMapping.vaultUrl(c, Function.identity()), c.credential().type(),
                c.credential().clientId(), c.credential().tenantId(),
                c.credential().identityEndpoint(), c.credential().identityHeader(),
                c.tls().trustStore().map(Path::of), c.tls().trustStorePassword(),
                c.parallelism(), c.initialParallelism(), c.startupTimeout(), c.challengeResourceVerification());
    }

    /**
     * The mapping read through {@code lookup} ({@code KEY_VAULT_URL} when {@code quarkus.kvconfig.url} is unset).
     *
     * @throws IllegalArgumentException naming the property whose value is wrong
     */
    public static KeyVaultSettings from(Function<String, Optional<String>> lookup) {
        return from(KvConfigMapping.of(lookup));
    }

    /** Settings for the given vault with every other setting at its default (tests, tools). */
    public static KeyVaultSettings forVault(String vaultUrl) {
        return from(name -> KvConfigMapping.URL.equals(name) ? Optional.ofNullable(vaultUrl) : Optional.empty());
    }

    /** True when a default vault is configured. */
    public boolean configured() {
        return vaultUrl.isPresent();
    }

    @Override
    public String toString() {
        return "KeyVaultSettings[vaultUrl=" + vaultUrl.orElse("<none>") + ", credentialType=" + credentialType.configValue()
                + ", clientId=" + clientId.orElse("<none>") + ", tenantId=" + tenantId.orElse("<none>")
                + ", identityEndpoint=" + identityEndpoint.orElse("<none>")
                + ", identityHeader=" + identityHeader.map(h -> "***").orElse("<none>")
                + ", trustStore=" + trustStore.map(Path::toString).orElse("<none>")
                + ", trustStorePassword=" + trustStorePassword.map(p -> "***").orElse("<none>")
                + ", parallelism=" + parallelism + ", initialParallelism=" + initialParallelism + ", startupTimeout=" + startupTimeout
                + ", challengeResourceVerification=" + challengeResourceVerification + "]";
    }
}
