package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceModifiedException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.util.polling.SyncPoller;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.DeletedSecret;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;

/**
 * Soft delete and recovery run asynchronously, as on Key Vault (issue 15 item 1). The delays are long here (the
 * window must outlast the calls made inside it), so nothing depends on timing but "still running" vs "done".
 */
class SoftDeleteTest {
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private DevVault vault;
    private SecretClient client;

    @BeforeEach
    void start() {
        vault = DevVault.builder().deletionDelay(WINDOW).recoveryDelay(WINDOW).build().start();
        vault.setSecret("rotating", "soft-delete-value");
        client = Sdk.secretClient(vault);
        assertThat(client.getSecret("rotating").getValue()).isEqualTo("soft-delete-value");
        vault.journal().reset();
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private static void assertConflict(Runnable call, String innerCode, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(HttpResponseException.class, e -> {
            assertThat(e.getResponse().getStatusCode()).isEqualTo(409);
            assertThat(e.getMessage()).contains(innerCode).contains(message).doesNotContain("soft-delete-value");
        });
    }

    @Test
    void whileADeletionRunsTheDeletedSecretIsNotFoundAndPurgeOrSetIsObjectIsBeingDeleted() {
        SyncPoller<DeletedSecret, Void> deletion = client.beginDeleteSecret("rotating");
        assertThat(deletion.poll().getValue().getName()).isEqualTo("rotating");

        assertThatThrownBy(() -> client.getSecret("rotating")).isInstanceOf(ResourceNotFoundException.class);
        assertThatThrownBy(() -> client.getDeletedSecret("rotating"))
                .isInstanceOfSatisfying(ResourceNotFoundException.class,
                        e -> assertThat(e.getMessage()).contains("Deleted Secret not found"));
        assertThat(client.listDeletedSecrets().stream().map(DeletedSecret::getName)).doesNotContain("rotating");
        assertConflict(() -> client.purgeDeletedSecret("rotating"), "ObjectIsBeingDeleted",
                "Secret is currently being deleted.");
        assertConflict(() -> client.setSecret("rotating", "too-early"), "ObjectIsBeingDeleted",
                "is currently being deleted");
        assertThat(vault.journal().count("ObjectIsBeingDeleted")).isEqualTo(2);

        // the SDK's poller waits it out (it polls GET /deletedsecrets until that stops being 404)
        deletion.setPollInterval(Duration.ofMillis(50));
        DeletedSecret done = deletion.waitForCompletion(Duration.ofSeconds(30)).getValue();
        assertThat(done.getRecoveryId()).endsWith("/deletedsecrets/rotating");
        assertThat(vault.journal().count("GetDeletedSecret")).isGreaterThanOrEqualTo(2);
        assertThat(client.getDeletedSecret("rotating").getName()).isEqualTo("rotating");
        // done: the permanent state, distinct from the transient one
        assertConflict(() -> client.setSecret("rotating", "still-no"), "ObjectIsDeletedButRecoverable",
                "deleted but recoverable state");
        client.purgeDeletedSecret("rotating");
        assertThat(client.setSecret("rotating", "reborn").getValue()).isEqualTo("reborn");
    }

    @Test
    void whileARecoveryRunsTheSecretIsNotFoundAndSetIsObjectIsBeingRecovered() {
        vault.softDeleteDelays(Duration.ZERO, WINDOW);
        client.beginDeleteSecret("rotating").waitForCompletion(Duration.ofSeconds(30));
        SyncPoller<KeyVaultSecret, Void> recovery = client.beginRecoverDeletedSecret("rotating");
        assertThat(recovery.poll().getValue().getName()).isEqualTo("rotating");

        assertThatThrownBy(() -> client.getSecret("rotating")).isInstanceOf(ResourceNotFoundException.class);
        assertThat(vault.secretValue("rotating")).isEmpty();
        assertThat(client.listPropertiesOfSecrets().stream().map(p -> p.getName())).doesNotContain("rotating");
        assertConflict(() -> client.setSecret("rotating", "too-early"), "ObjectIsBeingRecovered",
                "Secret rotating is currently being recovered and cannot be re-created; retry later.");
        assertThatThrownBy(() -> client.getDeletedSecret("rotating")).isInstanceOf(ResourceNotFoundException.class);
        assertThat(vault.journal().count("ObjectIsBeingRecovered")).isEqualTo(1);

        recovery.setPollInterval(Duration.ofMillis(50));
        recovery.waitForCompletion(Duration.ofSeconds(30));
        assertThat(client.getSecret("rotating").getValue()).isEqualTo("soft-delete-value");
        assertThat(vault.secretValue("rotating")).contains("soft-delete-value");
        assertThat(client.setSecret("rotating", "after-recovery").getValue()).isEqualTo("after-recovery");
    }

    @Test
    void aRecoverDuringTheDeletionIsAConflictToo() {
        client.beginDeleteSecret("rotating");
        assertThatThrownBy(() -> client.beginRecoverDeletedSecret("rotating"))
                .isInstanceOfSatisfying(ResourceModifiedException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(409));
    }

    @Test
    void zeroDelaysMakeBothImmediateAndTheDefaultIsAFewHundredMs() {
        vault.softDeleteDelays(Duration.ZERO, Duration.ZERO);
        client.beginDeleteSecret("rotating");
        assertThat(client.getDeletedSecret("rotating").getName()).isEqualTo("rotating");
        client.beginRecoverDeletedSecret("rotating");
        assertThat(client.getSecret("rotating").getValue()).isEqualTo("soft-delete-value");
        assertThat(Settings.DEFAULT_DELETION_DELAY).isBetween(Duration.ofMillis(100), Duration.ofSeconds(1));
        assertThat(Settings.DEFAULT_RECOVERY_DELAY).isBetween(Duration.ofMillis(100), Duration.ofSeconds(1));
        assertThatThrownBy(() -> vault.softDeleteDelays(Duration.ofMillis(-1), Duration.ZERO))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
