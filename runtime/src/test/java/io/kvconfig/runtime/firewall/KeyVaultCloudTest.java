package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class KeyVaultCloudTest {

    @ParameterizedTest
    @CsvSource({
            "https://my-vault.vault.azure.net, my-vault, AZURE",
            "https://my-vault.vault.azure.net/, my-vault, AZURE",
            "https://My-Vault.Vault.Azure.Net/, my-vault, AZURE",
            "https://kv1.vault.azure.net:443/secrets/x/abc, kv1, AZURE",
            "https://my-vault.vault.azure.net./, my-vault, AZURE",
            "my-vault.vault.azure.net, my-vault, AZURE",
            "https://contoso.vault.azure.cn/, contoso, AZURE_CHINA",
            "https://contoso.vault.usgovcloudapi.net/, contoso, AZURE_US_GOVERNMENT",
            "https://contoso.vault.microsoftazure.de/, contoso, AZURE_GERMANY",
            "https://abc.vault.azure.net, abc, AZURE",
            "https://a23456789012345678901234.vault.azure.net, a23456789012345678901234, AZURE",
            "https://a1-b2-c3.vault.azure.net, a1-b2-c3, AZURE",
    })
    void vaultNameAndCloudFromUrl(String url, String name, KeyVaultCloud cloud) {
        assertThat(KeyVaultCloud.vaultNameOf(url)).contains(name);
        assertThat(KeyVaultCloud.ofVaultUrl(url)).contains(cloud);
    }

    @ParameterizedTest
    @ValueSource(strings = { "https://localhost:8443", "https://127.0.0.1:8443/", "https://vault.azure.net",
            "https://my-vault.managedhsm.azure.net", "https://my-vault.vault.azure.net.evil.com",
            "https://a.b.vault.azure.net", "https://ab.vault.azure.net", "https://1abc.vault.azure.net",
            "https://abc-.vault.azure.net", "https://a--b.vault.azure.net", "https://my_vault.vault.azure.net",
            "https://a234567890123456789012345.vault.azure.net", "", "   ", "https://", "::not a url::",
            "https://myvaultvault.azure.net" })
    void noVaultNameForOtherHosts(String url) {
        assertThat(KeyVaultCloud.vaultNameOf(url)).isEmpty();
    }

    @ParameterizedTest
    @CsvSource({
            "AZURE, https://management.azure.com/",
            "AZURE_CHINA, https://management.chinacloudapi.cn/",
            "AZURE_US_GOVERNMENT, https://management.usgovcloudapi.net/",
            "AZURE_GERMANY, https://management.microsoftazure.de/",
    })
    void resourceManagerPerCloud(KeyVaultCloud cloud, String arm) {
        assertThat(cloud.resourceManagerUrl()).isEqualTo(arm);
    }

    @ParameterizedTest
    @ValueSource(strings = { "https://localhost", "https://example.com" })
    void unknownHostHasNoCloud(String url) {
        assertThat(KeyVaultCloud.ofVaultUrl(url)).isEmpty();
        assertThat(KeyVaultCloud.vaultNameOf(null)).isEmpty();
    }
}
