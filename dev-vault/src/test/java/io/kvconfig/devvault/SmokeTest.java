package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.azure.security.keyvault.secrets.SecretClient;

class SmokeTest {
    @Test
    void setAndGetThroughTheRealSdk() {
        try (DevVault vault = DevVault.builder().build().start()) {
            SecretClient client = Sdk.secretClient(vault);
            client.setSecret("db-password", "s3cr3t-smoke");
            assertThat(client.getSecret("db-password").getValue()).isEqualTo("s3cr3t-smoke");
            assertThat(vault.secretValue("db-password")).contains("s3cr3t-smoke");
            System.out.println(vault.journal().counts());
            assertThat(vault.journal().count("Token")).isEqualTo(1);
            assertThat(vault.journal().count("Challenge")).isGreaterThanOrEqualTo(1);
            assertThat(vault.journal().count("SetSecret")).isEqualTo(1);
            assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        }
    }
}
