package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kvconfig.runtime.config.KvConfigConfig.AllowlistWhen;

class FirewallSettingsTest {

    private static FirewallSettings of(String... kv) {
        Map<String, String> m = new HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return FirewallSettings.from(k -> Optional.ofNullable(m.get(k)));
    }

    @Test
    void defaults() {
        FirewallSettings s = of();
        assertThat(s.enabled()).isFalse();
        assertThat(s.resourceGroup()).isEmpty();
        assertThat(s.vaultName()).isEmpty();
        assertThat(s.subscriptionId()).isEmpty();
        assertThat(s.effectiveVaultName()).isEmpty();
        assertThat(s.effectiveResourceManagerUrl()).isEqualTo("https://management.azure.com/");
        assertThat(s.ipEchoUrls()).isEqualTo(FirewallSettings.DEFAULT_IP_ECHO_URLS);
        assertThat(s.ipEchoTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(s.allowPublicNetworkAccess()).isFalse();
        assertThat(s.propagationTimeout()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void quarkusNames() {
        FirewallSettings s = of(
                "quarkus.kvconfig.url", "https://kv-one.vault.azure.net/",
                "quarkus.kvconfig.firewall.resource-group", "rg-1",
                "quarkus.kvconfig.firewall.vault-name", "other-vault",
                "quarkus.kvconfig.firewall.subscription-id", "sub-1",
                "quarkus.kvconfig.firewall.resource-manager-url", "https://localhost:8443",
                "quarkus.kvconfig.firewall.ip-echo-urls", "https://localhost:8443/ip, https://api.ipify.org",
                "quarkus.kvconfig.firewall.ip-echo-timeout", "2S",
                "quarkus.kvconfig.firewall.allow-public-network-access", "TRUE",
                "quarkus.kvconfig.firewall.propagation-timeout", "PT2M");
        assertThat(s.enabled()).isTrue();
        assertThat(s.resourceGroup()).contains("rg-1");
        assertThat(s.effectiveVaultName()).contains("other-vault");
        assertThat(s.subscriptionId()).contains("sub-1");
        assertThat(s.effectiveResourceManagerUrl()).isEqualTo("https://localhost:8443/");
        assertThat(s.ipEchoUrls()).containsExactly(URI.create("https://localhost:8443/ip"), URI.create("https://api.ipify.org"));
        assertThat(s.ipEchoTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(s.allowPublicNetworkAccess()).isTrue();
        assertThat(s.propagationTimeout()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void originalDesignFallbacks() {
        FirewallSettings s = of("KEY_VAULT_URL", "https://kv-two.vault.azure.cn", "KEY_VAULT_RG", "rg-2",
                "AZURE_SUBSCRIPTION_ID", "sub-2");
        assertThat(s.enabled()).isTrue();
        assertThat(s.resourceGroup()).contains("rg-2");
        assertThat(s.subscriptionId()).contains("sub-2");
        assertThat(s.effectiveVaultName()).contains("kv-two");
        assertThat(s.cloud()).isEqualTo(KeyVaultCloud.AZURE_CHINA);
        assertThat(s.effectiveResourceManagerUrl()).isEqualTo("https://management.chinacloudapi.cn/");
        assertThat(of("KEY_VAULT_NAME", "named").effectiveVaultName()).contains("named");
    }

    @Test
    void quarkusNamesWinOverFallbacks() {
        FirewallSettings s = of("KEY_VAULT_RG", "env-rg", "quarkus.kvconfig.firewall.resource-group", "q-rg",
                "KEY_VAULT_NAME", "env-name", "quarkus.kvconfig.firewall.vault-name", "q-name",
                "AZURE_SUBSCRIPTION_ID", "env-sub", "quarkus.kvconfig.firewall.subscription-id", "q-sub",
                "KEY_VAULT_URL", "https://env.vault.azure.net", "quarkus.kvconfig.url", "https://q.vault.azure.net");
        assertThat(s.resourceGroup()).contains("q-rg");
        assertThat(s.vaultName()).contains("q-name");
        assertThat(s.subscriptionId()).contains("q-sub");
        assertThat(s.vaultUrl()).contains("https://q.vault.azure.net");
    }

    @Test
    void blankValuesAreUnset() {
        FirewallSettings s = of("quarkus.kvconfig.firewall.resource-group", "  ", "KEY_VAULT_RG", "",
                "quarkus.kvconfig.firewall.ip-echo-urls", " ", "quarkus.kvconfig.firewall.resource-manager-url", "");
        assertThat(s.enabled()).isFalse();
        assertThat(s.ipEchoUrls()).isEqualTo(FirewallSettings.DEFAULT_IP_ECHO_URLS);
        assertThat(s.resourceManagerUrl()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "quarkus.kvconfig.firewall.propagation-timeout | soon | propagation-timeout with the config value \"soon\" threw an Exception whilst being converted Invalid duration",
            "quarkus.kvconfig.firewall.propagation-timeout | -5S | must not be negative",
            "quarkus.kvconfig.firewall.ip-echo-timeout | 5 parsecs | ip-echo-timeout with the config value \"5 parsecs\" threw an Exception whilst being converted Invalid duration",
            "quarkus.kvconfig.firewall.allow-public-network-access | yes | must be true or false",
            "quarkus.kvconfig.firewall.resource-manager-url | localhost:8443 | resource-manager-url must be an http(s) URL",
            "quarkus.kvconfig.firewall.resource-manager-url | ftp://x/ | resource-manager-url must be an http(s) URL",
            "quarkus.kvconfig.firewall.ip-echo-urls | https://ok, not a url | ip-echo-urls is not a valid URL",
            "quarkus.kvconfig.firewall.ip-echo-urls | ' , , ' | ip-echo-urls lists no URL",
    })
    void malformedValuesNameTheProperty(String key, String value, String message) {
        assertThatThrownBy(() -> of(key, value)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    @Test
    void bareNumberDurationIsSeconds() {
        assertThat(of("quarkus.kvconfig.firewall.propagation-timeout", "90").propagationTimeout()).isEqualTo(Duration.ofSeconds(90));
        assertThat(of("quarkus.kvconfig.firewall.propagation-timeout", "500ms").propagationTimeout()).isEqualTo(Duration.ofMillis(500));
    }

    @Test
    void devAndTestOnlyTalkToALocalResourceManager() {
        assertThat(of().refusalInDevOrTest()).get().asString()
                .contains("https://management.azure.com/ (the default)").contains("never change a real vault's firewall");
        assertThat(of("quarkus.kvconfig.firewall.resource-manager-url", "https://management.azure.com/").refusalInDevOrTest())
                .get().asString().doesNotContain("(the default)");
        assertThat(of("quarkus.kvconfig.firewall.resource-manager-url", "https://arm.example.com/").refusalInDevOrTest()).isPresent();
        assertThat(of("quarkus.kvconfig.firewall.resource-manager-url", "https://localhost.example.com/").refusalInDevOrTest()).isPresent();
        for (String local : List.of("https://localhost:8443/", "https://127.0.0.1:1/", "https://[::1]:9/", "https://LOCALHOST/")) {
            assertThat(of("quarkus.kvconfig.firewall.resource-manager-url", local).refusalInDevOrTest()).as(local).isEmpty();
        }
    }
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "http://api.ipify.org | api.ipify.org",
            "https://ok.example, http://evil.example:8080/ip | evil.example",
            "HTTP://Upper.Example/ | Upper.Example",
            "http://10.0.0.5/ip | 10.0.0.5",
            "http://203.0.113.10/ | 203.0.113.10",
            "http://localhost.example.com/ | localhost.example.com",
            "http://127.0.0.1.nip.io/ | 127.0.0.1.nip.io",
            "http://[2001:db8::1]:80/ | [2001:db8::1]",
    })
    void plainHttpEchoUrlsAreRefusedOutsideLoopback(String urls, String host) {
        assertThatThrownBy(() -> of("quarkus.kvconfig.firewall.ip-echo-urls", urls)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("quarkus.kvconfig.firewall.ip-echo-urls")
                .hasMessageContaining("host '" + host + "'").hasMessageContaining("use https");
        // also through the environment name the CLI and containers use
        assertThatThrownBy(() -> FirewallSettings.from(io.kvconfig.runtime.config.KvConfigMapping.fromEnvironment(
                Map.of("QUARKUS_KVCONFIG_FIREWALL_IP_ECHO_URLS", urls), new java.util.Properties())))
                .hasMessageContaining("host '" + host + "'");
    }

    @Test
    void httpsAndLoopbackHttpEchoUrlsAreAllowed() {
        List<String> allowed = List.of("https://api.ipify.org", "https://203.0.113.10/ip", "http://localhost:1/ip",
                "http://LOCALHOST/", "http://127.0.0.1:8/ip", "http://127.9.9.9/", "http://[::1]:9/ip");
        FirewallSettings s = of("quarkus.kvconfig.firewall.ip-echo-urls", String.join(",", allowed));
        assertThat(s.ipEchoUrls()).containsExactlyElementsOf(allowed.stream().map(URI::create).toList());
    }

    @Test
    void whenDefaultsToStartup() {
        assertThat(of().when()).isEqualTo(AllowlistWhen.STARTUP);
        assertThat(of("KEY_VAULT_RG", "rg").onRefusalOnly()).isFalse();
        assertThat(of("KEY_VAULT_RG", "rg").notRunYetReason()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({ "startup,STARTUP", "STARTUP,STARTUP", "on-refusal,ON_REFUSAL", "On-Refusal,ON_REFUSAL",
            "on_refusal,ON_REFUSAL", "' on-refusal ',ON_REFUSAL" })
    void whenValues(String in, AllowlistWhen out) {
        FirewallSettings s = of("quarkus.kvconfig.firewall.when", in, "KEY_VAULT_RG", "rg");
        assertThat(s.when()).isEqualTo(out);
        assertThat(s.onRefusalOnly()).isEqualTo(out == AllowlistWhen.ON_REFUSAL);
        // the environment form the CLI and containers use
        assertThat(FirewallSettings.from(io.kvconfig.runtime.config.KvConfigMapping.fromEnvironment(
                Map.of("QUARKUS_KVCONFIG_FIREWALL_WHEN", in), new java.util.Properties())).when()).isEqualTo(out);
    }

    @Test
    void onRefusalWithoutAResourceGroupIsStillOff() {
        FirewallSettings s = of("quarkus.kvconfig.firewall.when", "on-refusal");
        assertThat(s.enabled()).isFalse();
        assertThat(s.onRefusalOnly()).isFalse();
        assertThat(s.notRunYetReason()).isEmpty();
    }

    @Test
    void onRefusalSaysWhyNoRunHappenedYet() {
        assertThat(of("quarkus.kvconfig.firewall.when", "on-refusal", "KEY_VAULT_RG", "rg").notRunYetReason()).get().asString()
                .startsWith("not run: allowlisting runs when the vault refuses a request by its firewall")
                .contains("quarkus.kvconfig.firewall.when=on-refusal");
    }

    @ParameterizedTest
    @CsvSource({ "sometimes", "on-refusal-only", "before", "true", "always" })
    void badWhenNamesThePropertyTheValueAndTheAllowedOnes(String value) {
        assertThatThrownBy(() -> of("quarkus.kvconfig.firewall.when", value)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quarkus.kvconfig.firewall.when").hasMessageContaining(value)
                .hasMessageContaining("startup").hasMessageContaining("on-refusal");
        assertThatThrownBy(() -> FirewallSettings.from(io.kvconfig.runtime.config.KvConfigMapping.fromEnvironment(
                Map.of("QUARKUS_KVCONFIG_FIREWALL_WHEN", value), new java.util.Properties())))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(value);
    }
}
