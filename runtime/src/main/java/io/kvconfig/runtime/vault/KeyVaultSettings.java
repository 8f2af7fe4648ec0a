package io.kvconfig.runtime.vault;

import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReferenceParser;

/**
 * What the resolver and its clients need to reach Key Vault. Built from any name lookup: SmallRye's interceptor
 * context in the extension, the process environment in the CLI ({@link #envLookup}). {@code toString} masks the
 * trust store password.
 *
 * @param vaultUrl default vault, normalised ({@code https://host[:port]}); empty when none is configured
 * @param credentialType which TokenCredential to build
 * @param clientId user-assigned managed identity / workload identity client id
 * @param tenantId tenant for the credential
 * @param identityEndpoint overrides {@code IDENTITY_ENDPOINT} for the managed identity credential
 * @param identityHeader overrides {@code IDENTITY_HEADER}
 * @param trustStore PKCS12 file trusted in addition to the JDK's CAs
 * @param trustStorePassword its password
 * @param parallelism max concurrent secret requests
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
        Duration startupTimeout,
        boolean challengeResourceVerification) {

    public static final String PREFIX = "quarkus.kvconfig.";
    public static final String URL = PREFIX + "url";
    public static final String URL_FALLBACK = "KEY_VAULT_URL";
    public static final String PARALLELISM = PREFIX + "parallelism";
    public static final String STARTUP_TIMEOUT = PREFIX + "startup-timeout";
    public static final String CREDENTIAL_TYPE = PREFIX + "credential.type";
    public static final String CREDENTIAL_CLIENT_ID = PREFIX + "credential.client-id";
    public static final String CREDENTIAL_TENANT_ID = PREFIX + "credential.tenant-id";
    public static final String CREDENTIAL_IDENTITY_ENDPOINT = PREFIX + "credential.identity-endpoint";
    public static final String CREDENTIAL_IDENTITY_HEADER = PREFIX + "credential.identity-header";
    public static final String TLS_TRUST_STORE = PREFIX + "tls.trust-store";
    public static final String TLS_TRUST_STORE_PASSWORD = PREFIX + "tls.trust-store-password";
    public static final String CHALLENGE_RESOURCE_VERIFICATION = PREFIX + "challenge-resource-verification";

    public static final int DEFAULT_PARALLELISM = 100;
    public static final int MAX_PARALLELISM = 256;
    public static final Duration DEFAULT_STARTUP_TIMEOUT = Duration.ofSeconds(30);

    /** The credential to build; {@code credential.type} values in lower-case kebab form. */
    public enum CredentialType {
        DEFAULT("default", "DefaultAzureCredential"),
        MANAGED_IDENTITY("managed-identity", "ManagedIdentityCredential"),
        WORKLOAD_IDENTITY("workload-identity", "WorkloadIdentityCredential"),
        AZURE_CLI("azure-cli", "AzureCliCredential");

        private final String configValue;
        private final String credentialName;

        CredentialType(String configValue, String credentialName) {
            this.configValue = configValue;
            this.credentialName = credentialName;
        }

        public String configValue() {
            return configValue;
        }

        /** The SDK credential class name, for messages. */
        public String credentialName() {
            return credentialName;
        }

        public static CredentialType parse(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT).replace('_', '-');
            for (CredentialType t : values()) {
                if (t.configValue.equals(v)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(CREDENTIAL_TYPE + "='" + value + "' is not supported; use one of "
                    + "default, managed-identity, workload-identity, azure-cli");
        }
    }

    public KeyVaultSettings {
        if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
            throw new IllegalArgumentException(PARALLELISM + "=" + parallelism + " is out of range 1.." + MAX_PARALLELISM);
        }
        if (startupTimeout == null || startupTimeout.isNegative() || startupTimeout.isZero()) {
            throw new IllegalArgumentException(STARTUP_TIMEOUT + " must be a positive duration");
        }
    }

    /** Settings for the given vault with every other setting at its default (tests, tools). */
    public static KeyVaultSettings forVault(String vaultUrl) {
        return from(name -> URL.equals(name) ? Optional.ofNullable(vaultUrl) : Optional.empty());
    }

    /**
     * Reads the {@code quarkus.kvconfig.*} names through {@code lookup} ({@code KEY_VAULT_URL} when
     * {@code quarkus.kvconfig.url} is unset). Blank values count as unset.
     *
     * @throws IllegalArgumentException naming the property whose value is wrong
     */
    public static KeyVaultSettings from(Function<String, Optional<String>> lookup) {
        Function<String, Optional<String>> get = name -> lookup.apply(name).map(String::strip).filter(v -> !v.isEmpty());
        Optional<String> url = get.apply(URL).map(v -> normalizeUrl(URL, v))
                .or(() -> get.apply(URL_FALLBACK).map(v -> normalizeUrl(URL_FALLBACK, v)));
        CredentialType type = get.apply(CREDENTIAL_TYPE).map(CredentialType::parse).orElse(CredentialType.DEFAULT);
        int parallelism = get.apply(PARALLELISM).map(v -> parseInt(PARALLELISM, v)).orElse(DEFAULT_PARALLELISM);
        Duration timeout = get.apply(STARTUP_TIMEOUT).map(v -> parseDuration(STARTUP_TIMEOUT, v))
                .orElse(DEFAULT_STARTUP_TIMEOUT);
        boolean verify = get.apply(CHALLENGE_RESOURCE_VERIFICATION)
                .map(v -> parseBoolean(CHALLENGE_RESOURCE_VERIFICATION, v)).orElse(true);
        Optional<String> identityEndpoint = get.apply(CREDENTIAL_IDENTITY_ENDPOINT);
        identityEndpoint.ifPresent(v -> {
            if (!v.startsWith("http://") && !v.startsWith("https://")) {
                throw new IllegalArgumentException(CREDENTIAL_IDENTITY_ENDPOINT + "='" + v + "' must be an http(s) URL");
            }
        });
        return new KeyVaultSettings(url, type,
                get.apply(CREDENTIAL_CLIENT_ID),
                get.apply(CREDENTIAL_TENANT_ID),
                identityEndpoint,
                get.apply(CREDENTIAL_IDENTITY_HEADER),
                get.apply(TLS_TRUST_STORE).map(Path::of),
                lookup.apply(TLS_TRUST_STORE_PASSWORD), // an empty password is a valid password
                parallelism, timeout, verify);
    }

    /**
     * A lookup over system properties then environment variables, with SmallRye's environment name rules
     * ({@code quarkus.kvconfig.url} is also found as {@code QUARKUS_KVCONFIG_URL}), for the CLI.
     */
    public static Function<String, Optional<String>> envLookup(Map<String, String> env, Properties sys) {
        return name -> {
            String v = sys.getProperty(name);
            if (v == null) {
                v = env.get(name);
            }
            if (v == null) {
                v = env.get(toEnvName(name));
            }
            return Optional.ofNullable(v);
        };
    }

    /** SmallRye's mapping of a property name to an environment variable name. */
    public static String toEnvName(String propertyName) {
        StringBuilder sb = new StringBuilder(propertyName.length());
        for (int i = 0; i < propertyName.length(); i++) {
            char c = propertyName.charAt(i);
            sb.append((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    ? Character.toUpperCase(c) : '_');
        }
        return sb.toString();
    }

    /** True when a default vault is configured. */
    public boolean configured() {
        return vaultUrl.isPresent();
    }

    /** Quarkus's duration syntax: {@code 30} (seconds), {@code 500ms}, {@code 30S}, {@code 2m}, {@code 1h}, ISO-8601. */
    static Duration parseDuration(String property, String value) {
        String v = value.strip();
        try {
            if (v.matches("\\d+")) {
                return Duration.ofSeconds(Long.parseLong(v));
            }
            if (v.matches("(?i)\\d+ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            if (v.matches("(?i)\\d+d")) {
                return Duration.ofDays(Long.parseLong(v.substring(0, v.length() - 1)));
            }
            if (v.regionMatches(true, 0, "P", 0, 1)) {
                return Duration.parse(v);
            }
            return Duration.parse("PT" + v);
        } catch (DateTimeParseException | NumberFormatException e) {
            throw new IllegalArgumentException(property + "='" + value
                    + "' is not a duration; use e.g. 30S, 500ms, 2M or an ISO-8601 duration");
        }
    }

    private static int parseInt(String property, String value) {
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(property + "='" + value + "' is not a number");
        }
    }

    private static boolean parseBoolean(String property, String value) {
        if (value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        throw new IllegalArgumentException(property + "='" + value + "' must be true or false");
    }

    private static String normalizeUrl(String property, String value) {
        try {
            return SecretReferenceParser.normalizeVaultUrl(value);
        } catch (InvalidReferenceException e) {
            throw new IllegalArgumentException(property + ": " + e.getMessage(), e);
        }
    }

    @Override
    public String toString() {
        return "KeyVaultSettings[vaultUrl=" + vaultUrl.orElse("<none>") + ", credentialType=" + credentialType.configValue()
                + ", clientId=" + clientId.orElse("<none>") + ", tenantId=" + tenantId.orElse("<none>")
                + ", identityEndpoint=" + identityEndpoint.orElse("<none>")
                + ", identityHeader=" + identityHeader.map(h -> "***").orElse("<none>")
                + ", trustStore=" + trustStore.map(Path::toString).orElse("<none>")
                + ", trustStorePassword=" + trustStorePassword.map(p -> "***").orElse("<none>")
                + ", parallelism=" + parallelism + ", startupTimeout=" + startupTimeout
                + ", challengeResourceVerification=" + challengeResourceVerification + "]";
    }
}
