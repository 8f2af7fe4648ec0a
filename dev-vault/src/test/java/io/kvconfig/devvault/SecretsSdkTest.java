package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceModifiedException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.rest.PagedResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.DeletedSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecretIdentifier;
import com.azure.security.keyvault.secrets.models.SecretProperties;

import reactor.core.publisher.Flux;

/** The real SecretClient/SecretAsyncClient with DefaultAzureCredential over HTTPS against the dev vault. */
class SecretsSdkTest {
    private static DevVault vault;
    private static SecretClient client;
    private static SecretAsyncClient asyncClient;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().build().start();
        client = Sdk.secretClient(vault);
        asyncClient = Sdk.secretAsyncClient(vault);
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void resetJournal() {
        vault.journal().reset();
    }

    @Test
    void setGetAndGetByVersion() {
        KeyVaultSecret v1 = client.setSecret(new KeyVaultSecret("api-key", "first-value")
                .setProperties(new SecretProperties().setContentType("text/plain").setTags(Map.of("env", "dev"))));
        KeyVaultSecret v2 = client.setSecret("api-key", "second-value");

        KeyVaultSecretIdentifier id = new KeyVaultSecretIdentifier(v1.getId());
        assertThat(v1.getId()).startsWith(vault.vaultUrl() + "/secrets/api-key/");
        assertThat(id.getName()).isEqualTo("api-key");
        assertThat(id.getVersion()).matches("[0-9a-f]{32}");
        assertThat(v1.getProperties().getContentType()).isEqualTo("text/plain");
        assertThat(v1.getProperties().getTags()).containsEntry("env", "dev");
        assertThat(v1.getProperties().getRecoveryLevel()).isEqualTo("Recoverable+Purgeable");
        assertThat(v1.getProperties().getCreatedOn()).isBefore(OffsetDateTime.now().plusMinutes(1));

        assertThat(client.getSecret("api-key").getValue()).isEqualTo("second-value");
        assertThat(client.getSecret("api-key", v1.getProperties().getVersion()).getValue()).isEqualTo("first-value");
        assertThat(client.getSecret("API-KEY").getValue()).as("names are case-insensitive").isEqualTo("second-value");
        assertThat(v2.getProperties().getVersion()).isNotEqualTo(v1.getProperties().getVersion());
        assertThat(vault.journal().count("SetSecret")).isEqualTo(2);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(3);
    }

    @Test
    void missingSecretIsSecretNotFound() {
        assertThatThrownBy(() -> client.getSecret("does-not-exist"))
                .isInstanceOfSatisfying(ResourceNotFoundException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("SecretNotFound").contains("does-not-exist");
                });
        assertThatThrownBy(() -> client.getSecret("does-not-exist", "0123456789abcdef0123456789abcdef"))
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void listSecretsPagesWithNextLinkAndOmitsValues() {
        List<String> names = IntStream.range(0, 30).mapToObj(i -> String.format("page-secret-%02d", i)).toList();
        names.forEach(n -> vault.setSecret(n, "value-of-" + n));
        vault.journal().reset();

        List<SecretProperties> listed = client.listPropertiesOfSecrets().stream()
                .filter(p -> p.getName().startsWith("page-secret-")).toList();
        assertThat(listed).extracting(SecretProperties::getName).containsExactlyElementsOf(names);
        assertThat(listed).allSatisfy(p -> {
            assertThat(p.getVersion()).isNull();
            assertThat(p.isEnabled()).isTrue();
        });
        long pages = vault.journal().count("GetSecrets");
        assertThat(pages).as("25 per page").isGreaterThanOrEqualTo(2);

        List<PagedResponse<SecretProperties>> byPage = new ArrayList<>();
        client.listPropertiesOfSecrets().iterableByPage().forEach(byPage::add);
        assertThat(byPage.get(0).getValue()).hasSize(25);
        assertThat(byPage.get(0).getContinuationToken()).contains("$skiptoken=");
    }

    @Test
    void listVersionsPages() {
        List<String> versions = new ArrayList<>();
        for (int i = 0; i < 27; i++) {
            versions.add(client.setSecret("rotated", "value-" + i).getProperties().getVersion());
        }
        vault.journal().reset();
        List<SecretProperties> listed = client.listPropertiesOfSecretVersions("rotated").stream().toList();
        assertThat(listed).extracting(SecretProperties::getVersion).containsExactlyInAnyOrderElementsOf(versions);
        assertThat(listed).extracting(SecretProperties::getVersion).isSorted();
        assertThat(vault.journal().count("GetSecretVersions")).isEqualTo(2);
    }

    @Test
    void disabledSecretIsForbiddenUntilEnabledAgain() {
        KeyVaultSecret s = client.setSecret("feature-flag-key", "disabled-value");
        SecretProperties props = s.getProperties().setEnabled(false).setExpiresOn(OffsetDateTime.now().plusDays(1));
        SecretProperties updated = client.updateSecretProperties(props);
        assertThat(updated.isEnabled()).isFalse();
        assertThat(updated.getExpiresOn()).isNotNull();

        assertThatThrownBy(() -> client.getSecret("feature-flag-key"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(403);
                    assertThat(e.getMessage()).contains("Operation get is not allowed on a disabled secret.")
                            .doesNotContain("disabled-value");
                });
        client.updateSecretProperties(updated.setEnabled(true));
        assertThat(client.getSecret("feature-flag-key").getValue()).isEqualTo("disabled-value");
        assertThat(vault.journal().count("UpdateSecret")).isEqualTo(2);
    }

    @Test
    void deleteRecoverAndPurge() {
        client.setSecret("temp-secret", "temp-value");

        SyncPoller<DeletedSecret, Void> deletion = client.beginDeleteSecret("temp-secret");
        deletion.setPollInterval(Duration.ofMillis(20));
        DeletedSecret deleted = deletion.waitForCompletion().getValue();
        assertThat(deleted.getRecoveryId()).isEqualTo(vault.vaultUrl() + "/deletedsecrets/temp-secret");
        assertThat(deleted.getScheduledPurgeDate()).isAfter(deleted.getDeletedOn());
        assertThat(deleted.getValue()).isNull();
        assertThatThrownBy(() -> client.getSecret("temp-secret")).isInstanceOf(ResourceNotFoundException.class);
        assertThat(client.getDeletedSecret("temp-secret").getName()).isEqualTo("temp-secret");
        assertThat(client.listDeletedSecrets().stream().map(DeletedSecret::getName)).contains("temp-secret");

        // a deleted-but-not-purged name cannot be reused
        assertThatThrownBy(() -> client.setSecret("temp-secret", "other"))
                .isInstanceOfSatisfying(ResourceModifiedException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(409);
                    assertThat(e.getMessage()).contains("deleted but recoverable state");
                });

        SyncPoller<KeyVaultSecret, Void> recovery = client.beginRecoverDeletedSecret("temp-secret");
        recovery.setPollInterval(Duration.ofMillis(20));
        recovery.waitForCompletion();
        assertThat(client.getSecret("temp-secret").getValue()).isEqualTo("temp-value");

        SyncPoller<DeletedSecret, Void> again = client.beginDeleteSecret("temp-secret");
        again.setPollInterval(Duration.ofMillis(20));
        again.waitForCompletion();
        client.purgeDeletedSecret("temp-secret");
        assertThatThrownBy(() -> client.getDeletedSecret("temp-secret")).isInstanceOf(ResourceNotFoundException.class);
        assertThat(vault.secretValue("temp-secret")).isEmpty();

        client.setSecret("temp-secret", "reborn");
        assertThat(client.getSecret("temp-secret").getValue()).isEqualTo("reborn");
        assertThat(vault.journal().count("DeleteSecret")).isEqualTo(2);
        assertThat(vault.journal().count("RecoverDeletedSecret")).isEqualTo(1);
        assertThat(vault.journal().count("PurgeDeletedSecret")).isEqualTo(1);
        assertThat(vault.journal().count("GetDeletedSecrets")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void asyncClientFansOutConcurrently() {
        Map<String, String> expected = IntStream.range(0, 64).boxed()
                .collect(Collectors.toMap(i -> "fan-out-" + i, i -> "fan-value-" + i));
        expected.forEach(vault::setSecret);
        vault.journal().reset();

        Map<String, String> got = Flux.fromIterable(expected.keySet())
                .flatMap(name -> asyncClient.getSecret(name), 64)
                .collectMap(KeyVaultSecret::getName, KeyVaultSecret::getValue)
                .block(Duration.ofSeconds(30));
        assertThat(got).isEqualTo(expected);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(64);
    }
}
