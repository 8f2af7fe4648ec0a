package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.function.Function;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kvconfig.runtime.config.KvConfigConfig.CredentialType;
import io.kvconfig.runtime.config.KvConfigMapping;

class KeyVaultSettingsTest {

    static Function<String, Optional<String>> map(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return n -> Optional.ofNullable(m.get(n));
    }

    @Test
    void defaults() {
        KeyVaultSettings s = KeyVaultSettings.from(map());
        assertThat(s.vaultUrl()).isEmpty();
        assertThat(s.configured()).isFalse();
        assertThat(s.credentialType()).isEqualTo(CredentialType.DEFAULT);
        assertThat(s.parallelism()).isEqualTo(100);
        assertThat(s.startupTimeout()).isEqualTo(Duration.ofSeconds(45));
        assertThat(s.challengeResourceVerification()).isTrue();
        assertThat(s.trustStore()).isEmpty();
        assertThat(s.clientId()).isEmpty();
    }

    @Test
    void readsEverySetting() {
        KeyVaultSettings s = KeyVaultSettings.from(map(
                "quarkus.kvconfig.url", "https://MyVault.vault.azure.net/",
                "quarkus.kvconfig.parallelism", "4",
                "quarkus.kvconfig.startup-timeout", "10S",
                "quarkus.kvconfig.credential.type", "managed-identity",
                "quarkus.kvconfig.credential.client-id", "cid",
                "quarkus.kvconfig.credential.tenant-id", "tid",
                "quarkus.kvconfig.credential.identity-endpoint", "http://127.0.0.1:1/msi/token",
                "quarkus.kvconfig.credential.identity-header", "hdr",
                "quarkus.kvconfig.tls.trust-store", "/tmp/ts.p12",
                "quarkus.kvconfig.tls.trust-store-password", "pw",
                "quarkus.kvconfig.challenge-resource-verification", "FALSE"));
        assertThat(s.vaultUrl()).contains("https://myvault.vault.azure.net");
        assertThat(s.parallelism()).isEqualTo(4);
        assertThat(s.startupTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(s.credentialType()).isEqualTo(CredentialType.MANAGED_IDENTITY);
        assertThat(s.clientId()).contains("cid");
        assertThat(s.tenantId()).contains("tid");
        assertThat(s.identityEndpoint()).contains("http://127.0.0.1:1/msi/token");
        assertThat(s.identityHeader()).contains("hdr");
        assertThat(s.trustStore()).contains(Path.of("/tmp/ts.p12"));
        assertThat(s.trustStorePassword()).contains("pw");
        assertThat(s.challengeResourceVerification()).isFalse();
        assertThat(s.toString()).doesNotContain("pw]").doesNotContain("hdr").contains("***");
    }

    @Test
    void keyVaultUrlIsTheFallback() {
        assertThat(KeyVaultSettings.from(map("KEY_VAULT_URL", "https://kv.vault.azure.net/")).vaultUrl())
                .contains("https://kv.vault.azure.net");
        assertThat(KeyVaultSettings.from(map("KEY_VAULT_URL", "https://a.vault.azure.net",
                "quarkus.kvconfig.url", "https://b.vault.azure.net")).vaultUrl())
                .contains("https://b.vault.azure.net");
        assertThat(KeyVaultSettings.from(map("KEY_VAULT_URL", "https://a.vault.azure.net",
                "quarkus.kvconfig.url", "  ")).vaultUrl())
                .contains("https://a.vault.azure.net");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "quarkus.kvconfig.url|http://kv.vault.azure.net|quarkus.kvconfig.url: Invalid vault URL",
            "KEY_VAULT_URL|kv.vault.azure.net|KEY_VAULT_URL: Invalid vault URL",
            "KEY_VAULT_URL|https://kv.vault.azure.net/secrets/x|must not have a path",
            "quarkus.kvconfig.parallelism|0|out of range",
            "quarkus.kvconfig.parallelism|1000|out of range",
            "quarkus.kvconfig.parallelism|many|Expected an integer value",
            "quarkus.kvconfig.startup-timeout|soon|Invalid duration",
            "quarkus.kvconfig.startup-timeout|0|positive",
            "quarkus.kvconfig.credential.type|client-secret|allowed values",
            "quarkus.kvconfig.challenge-resource-verification|yes|must be true or false",
            "quarkus.kvconfig.credential.identity-endpoint|127.0.0.1:1|must be an http(s) URL" })
    void badValuesNameTheProperty(String name, String value, String message) {
        assertThatThrownBy(() -> KeyVaultSettings.from(map(name, value)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(message)
                .hasMessageContaining(name);
    }

    @ParameterizedTest
    @CsvSource({ "30,PT30S", "30S,PT30S", "30s,PT30S", "500ms,PT0.5S", "2M,PT2M", "1h,PT1H", "PT5S,PT5S", "1d,PT24H" })
    void durations(String in, String out) {
        assertThat(KeyVaultSettings.from(map("quarkus.kvconfig.startup-timeout", in)).startupTimeout())
                .isEqualTo(Duration.parse(out));
    }

    @ParameterizedTest
    @CsvSource({ "default,DEFAULT", "Managed-Identity,MANAGED_IDENTITY", "workload_identity,WORKLOAD_IDENTITY",
            "azure-cli,AZURE_CLI" })
    void credentialTypes(String in, CredentialType out) {
        assertThat(KeyVaultSettings.from(map("quarkus.kvconfig.credential.type", in)).credentialType()).isEqualTo(out);
    }

    @Test
    void envLookupFollowsSmallRyeNamesAndSystemPropertiesWin() {
        Map<String, String> env = Map.of(
                "QUARKUS_KVCONFIG_URL", "https://env.vault.azure.net",
                "QUARKUS_KVCONFIG_CREDENTIAL_CLIENT_ID", "env-cid",
                "QUARKUS_KVCONFIG_STARTUP_TIMEOUT", "5",
                "KEY_VAULT_URL", "https://fallback.vault.azure.net");
        Properties sys = new Properties();
        sys.setProperty("quarkus.kvconfig.startup-timeout", "7");
        KeyVaultSettings s = KeyVaultSettings.from(KvConfigMapping.fromEnvironment(env, sys));
        assertThat(s.vaultUrl()).contains("https://env.vault.azure.net");
        assertThat(s.clientId()).contains("env-cid");
        assertThat(s.startupTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(KvConfigMapping.envForm("quarkus.kvconfig.tls.trust-store-password"))
                .isEqualTo("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD");
        assertThat(KeyVaultSettings.from(KvConfigMapping.fromEnvironment(Map.of("KEY_VAULT_URL", "https://x.vault.azure.net/"),
                new Properties())).vaultUrl()).contains("https://x.vault.azure.net");
    }

    @Test
    void credentialDescriptionNamesTheChain() {
        assertThat(KeyVaultClients.describeCredential(KeyVaultSettings.from(map())))
                .startsWith("DefaultAzureCredential (chain:");
        assertThat(KeyVaultClients.describeCredential(KeyVaultSettings.from(map(
                "quarkus.kvconfig.credential.type", "managed-identity", "quarkus.kvconfig.credential.client-id", "abc"))))
                .isEqualTo("ManagedIdentityCredential, client id abc");
    }

    @Test
    void azureConfigurationCarriesIdentityEndpointWithoutEnvVars() {
        var cfg = KeyVaultClients.azureConfiguration(KeyVaultSettings.from(map(
                "quarkus.kvconfig.credential.identity-endpoint", "http://127.0.0.1:9/msi/token",
                "quarkus.kvconfig.credential.identity-header", "h")));
        assertThat(cfg.get("IDENTITY_ENDPOINT")).isEqualTo("http://127.0.0.1:9/msi/token");
        assertThat(cfg.get("IDENTITY_HEADER")).isEqualTo("h");
    }
}
