package io.kvconfig.service;

import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;

import java.time.Duration;
import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * What Key Vault answers a secret write besides "stored" (issue 15), through the real SDK against the dev vault: a
 * secret still being deleted or recovered (transient 409: retried until the write deadline), a soft-deleted one
 * (permanent 409: not retried, says what to do), authorization 403s (not the firewall: no allowlisting), and a 429
 * without Retry-After (the writer's own backoff). Every failure leaves {@code .env} byte for byte as it was.
 */
@QuarkusTest
@TestProfile(Profiles.VaultRefusals.class)
@ExtendWith(LeakCheck.class)
class VaultRefusalsTest {

    static final String VALUE = LeakCheck.secret("refusals-VALUE-'\"$x-0123456789");
    static final String OLD = LeakCheck.secret("refusals-OLD-value-9876543210");
    /** The dev vault's Resource Manager side and IP echo: what an allowlisting run would call. */
    static final List<String> ARM_CALLS = List.of("VaultGet", "VaultPut", "VaultPatch", "VaultList", "SubscriptionGet",
            "ResourceGroupGet", "ResourceList", "IpEcho");

    @Inject
    KeyVault keyVault;

    DevVault vault;

    @BeforeEach
    void reset() {
        TestVault.reset();
        vault = TestVault.vault;
    }

    @AfterEach
    void restore() {
        vault.secretAccess().allowAll().accessPolicies(false);
        vault.softDeleteDelays(Duration.ofMillis(300), Duration.ofMillis(300));
    }

    /** {@code .env} references {@code name} from {@code key} (a key holding a reference is a secret key). */
    private static void referencing(String key, String name) {
        try {
            java.nio.file.Files.writeString(TestVault.envFile, TestVault.baseline + key + "=@kv:" + name + "\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * One secret write through the whole PUT path first, so that the timed part of a test (a deletion or recovery that
     * runs for a set time) does not include the first request's warm-up of a fresh application.
     */
    private static void warmUp() {
        referencing("WARM_UP", "warm-up");
        put("{\"WARM_UP\":" + q(LeakCheck.secret("warm-up-value-0123456789")) + "}").then().statusCode(200);
        TestVault.reset();
    }

    /** Soft-deletes {@code name} with the SDK, returning once the DELETE is answered (the deletion then runs). */
    private void startDeleting(String name) {
        vault.setSecret(name, OLD);
        keyVault.secrets().beginDeleteSecret(name).getSyncPoller();
    }

    @Test
    void aSecretBeingDeletedIsRetriedUntilTheDeletionEndsThenTheDeletedSecretIsNotRetried() throws Exception {
        warmUp();
        vault.softDeleteDelays(Duration.ofSeconds(60), Duration.ofSeconds(60));
        startDeleting("soft-deleting");
        vault.journal().reset();
        referencing("SOFT_DELETING", "soft-deleting");
        byte[] before = envBytes();

        // the deletion runs until the writer has been refused twice (counted, not timed), then ends
        Response r = whileRunning("ObjectIsBeingDeleted", () -> put("{\"SOFT_DELETING\":" + q(VALUE) + "}"));

        // as on Key Vault: once the deletion ends the name is held by the deleted secret (recover or purge it)
        r.then().statusCode(502)
                .body("notStored[0].reason", containsString("deleted but recoverable (HTTP 409 ObjectIsDeletedButRecoverable)"));
        // "being deleted" was retried past key-vault-retries=1 while the deletion ran; the deleted state only once
        long conflicts = vault.journal().count("ObjectIsBeingDeleted");
        assertThat(conflicts).isGreaterThanOrEqualTo(2);
        assertThat(vault.journal().count("ObjectIsDeletedButRecoverable")).isEqualTo(1);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(conflicts + 1);
        assertThat(envBytes()).isEqualTo(before);
        assertThat(r.asString()).doesNotContain(VALUE).doesNotContain(OLD);
    }

    @Test
    void aSecretStillBeingRecoveredIsRetriedUntilTheRecoveryEndsAndThenStored() throws Exception {
        warmUp();
        vault.softDeleteDelays(Duration.ZERO, Duration.ofSeconds(60));
        vault.setSecret("soft-recovering", OLD);
        keyVault.secrets().beginDeleteSecret("soft-recovering").getSyncPoller().waitForCompletion(Duration.ofSeconds(20));
        keyVault.secrets().beginRecoverDeletedSecret("soft-recovering").getSyncPoller();
        vault.journal().reset();

        referencing("SOFT_RECOVERING", "soft-recovering");
        whileRunning("ObjectIsBeingRecovered", () -> put("{\"SOFT_RECOVERING\":" + q(VALUE) + "}"))
                .then().statusCode(200);

        // retried past key-vault-retries=1 while the recovery ran, then stored as a new version of the recovered secret
        long conflicts = vault.journal().count("ObjectIsBeingRecovered");
        assertThat(conflicts).isGreaterThanOrEqualTo(2);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(conflicts + 1);
        Api.assertHolds(vault, "soft-recovering", VALUE);
    }

    /**
     * Sends {@code request} while a soft delete or recovery runs, ends that operation once the vault has refused the
     * request's secret write twice with {@code conflict}, and returns the answer.
     */
    private Response whileRunning(String conflict, java.util.function.Supplier<Response> request) throws Exception {
        java.util.concurrent.CompletableFuture<Response> answer = java.util.concurrent.CompletableFuture
                .supplyAsync(request);
        for (int i = 0; i < 300 && vault.journal().count(conflict) < 2 && !answer.isDone(); i++) {
            Thread.sleep(50);
        }
        vault.finishRunningDeletesAndRecoveries();
        return answer.get(30, java.util.concurrent.TimeUnit.SECONDS);
    }

    @Test
    void aDeletionStillRunningAtTheDeadlineIs503RetryLater() {
        // longer than key-vault-timeout (4 s in the profile)
        vault.softDeleteDelays(Duration.ofSeconds(60), Duration.ofSeconds(60));
        startDeleting("soft-slow");
        vault.journal().reset();
        referencing("SOFT_SLOW", "soft-slow");
        byte[] before = envBytes();

        Response r = put("{\"SOFT_SLOW\":" + q(VALUE) + ",\"LOG_FORMAT\":\"x\"}");
        r.then().statusCode(503)
                .body("status", equalTo("keyvault_error"))
                .body("notStored", hasSize(1))
                .body("notStored[0].secretName", equalTo("soft-slow"))
                .body("notStored[0].reason", allOf(
                        containsString("being deleted in Key Vault (HTTP 409 ObjectIsBeingDeleted)"),
                        containsString("retry later")));

        assertThat(envBytes()).isEqualTo(before);
        assertThat(r.asString()).doesNotContain(VALUE).doesNotContain(OLD);
        // retried (more than key-vault-retries=1 allows for other failures), and every attempt was the 409
        assertThat(vault.journal().count("SetSecret")).isGreaterThan(2)
                .isEqualTo(vault.journal().count("ObjectIsBeingDeleted"));
        assertThat(vault.secretValue("soft-slow")).isEmpty();
    }

    @Test
    void aDeletedButRecoverableSecretIsNotRetriedAndTheAnswerSaysWhatToDo() {
        vault.softDeleteDelays(Duration.ZERO, Duration.ZERO);
        startDeleting("soft-deleted");
        vault.journal().reset();
        referencing("SOFT_DELETED", "soft-deleted");
        byte[] before = envBytes();

        Response r = put("{\"SOFT_DELETED\":" + q(VALUE) + ",\"LOG_FORMAT\":\"x\"}");
        r.then().statusCode(502)
                .body("status", equalTo("keyvault_error"))
                .body("notStored[0].key", equalTo("SOFT_DELETED"))
                .body("notStored[0].reason", allOf(
                        containsString("deleted but recoverable (HTTP 409 ObjectIsDeletedButRecoverable)"),
                        containsString("recover it"), containsString("purge it"),
                        containsString("choose another secret name"),
                        not(containsString("retry later"))));

        assertThat(envBytes()).isEqualTo(before);
        assertThat(r.asString()).doesNotContain(VALUE).doesNotContain(OLD);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(1);
        assertThat(vault.journal().count("ObjectIsDeletedButRecoverable")).isEqualTo(1);
    }

    @Test
    void rbacAccessDeniedNamesTheRoleAndDoesNotAllowlist() {
        vault.secretAccess().denyWrites(true);
        referencing("DENIED_RBAC", "denied-rbac");
        byte[] before = envBytes();

        Response r = put("{\"DENIED_RBAC\":" + q(VALUE) + ",\"LOG_FORMAT\":\"x\"}");
        r.then().statusCode(502)
                .body("notStored[0].reason", allOf(
                        containsString("access denied (HTTP 403 ForbiddenByRbac)"),
                        containsString("grant the service's identity 'Key Vault Secrets Officer'"),
                        not(containsString("firewall"))));

        assertThat(envBytes()).isEqualTo(before);
        assertThat(r.asString()).doesNotContain(VALUE);
        assertThat(vault.journal().count("ForbiddenByRbac")).isEqualTo(1);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(1);
        assertNoAllowlisting();
        assertThat(vault.secretValue("denied-rbac")).isEmpty();
    }

    @Test
    void accessPolicyDenialNamesTheSetPermissionAndDoesNotAllowlist() {
        vault.secretAccess().accessPolicies(true).denyWrites(true);
        referencing("DENIED_POLICY", "denied-policy");
        byte[] before = envBytes();

        Response r = put("{\"DENIED_POLICY\":" + q(VALUE) + "}");
        r.then().statusCode(502)
                .body("notStored[0].reason", allOf(
                        containsString("access denied (HTTP 403 AccessDenied)"),
                        containsString("access policy with the secret permission 'set'"),
                        not(containsString("Secrets Officer"))));

        assertThat(envBytes()).isEqualTo(before);
        assertThat(r.asString()).doesNotContain(VALUE);
        assertThat(vault.journal().count("AccessDenied")).isEqualTo(1);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(1);
        assertNoAllowlisting();
    }

    @Test
    void a429WithoutRetryAfterIsRetriedOnTheWritersOwnBackoff() {
        vault.faults().throttleNextWithoutRetryAfter(1);

        referencing("THROTTLED_PLAIN", "throttled-plain");
        put("{\"THROTTLED_PLAIN\":" + q(VALUE) + "}").then().statusCode(200)
                .body("changes[0].reference", equalTo("@kv:throttled-plain"));

        assertThat(vault.journal().count("ThrottledWithoutRetryAfter")).isEqualTo(1);
        assertThat(vault.journal().count("Throttled")).isEqualTo(1);
        // the throttled attempt and one retry
        assertThat(vault.journal().count("SetSecret")).isEqualTo(2);
        Api.assertHolds(vault, "throttled-plain", VALUE);
    }

    private void assertNoAllowlisting() {
        for (String call : ARM_CALLS) {
            assertThat(vault.journal().count(call)).as(call).isZero();
        }
    }
}
