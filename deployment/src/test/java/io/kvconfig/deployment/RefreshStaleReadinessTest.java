package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;
import jakarta.inject.Provider;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Readiness;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.refresh.RefreshResult;
import io.kvconfig.runtime.vault.FailureKind;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Without {@code quarkus.kvconfig.refresh.period} nothing is re-read on its own (counted in the dev vault's journal);
 * {@code KeyVault.refresh(...)} still works; a refresh that fails keeps the last good value, and readiness stays UP
 * with the number of stale references, since when and why (no names: the endpoint is open).
 */
class RefreshStaleReadinessTest {

    static final Vault VAULT = TestVaults.shared("refresh-stale", b -> b.secret("st-secret", "st-secret-value-1")
            .secret("st-other", "st-other-value-1"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(RefreshStaleReadinessTest.class, TestVaults.class, Vault.class,
                    Readiness.class))
            .overrideConfigKey("app.secret", "@kv:st-secret")
            .overrideConfigKey("app.other", "@kv:st-other")
            .setLogRecordPredicate(r -> true)
            .assertLogRecords(RefreshStaleReadinessTest::noValueLogged);

    @ConfigProperty(name = "app.secret")
    Provider<String> secret;
    @Inject
    KeyVault keyVault;

    @Test
    void withoutAPeriodNothingIsReRead() throws InterruptedException {
        assertThat(keyVault.refreshEnabled()).isFalse();
        VAULT.resetJournal();
        // several times the periods other tests use: nothing may be read on its own (a count, not a timing)
        Thread.sleep(1500);
        assertThat(VAULT.gets("st-secret")).isZero();
        assertThat(VAULT.gets("st-other")).isZero();
        assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName).doesNotContain("kvconfig-refresh-timer");
    }

    @Test
    void refreshingOneSecretByItsVaultUrlIsOneGet() {
        VAULT.resetJournal();
        // any spelling the vault URL setting accepts: trailing slash, upper-case host
        String url = VAULT.vaultUrl().replace("localhost", "LOCALHOST") + "/";
        RefreshResult r = keyVault.refresh(url, "ST-OTHER").toCompletableFuture().join();
        assertThat(VAULT.gets("st-other")).isEqualTo(1);
        assertThat(VAULT.gets("st-secret")).isZero();
        assertThat(r.failures()).isEmpty();
        assertThatThrownBy(() -> keyVault.refresh("http://localhost:1", "st-other"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("https");
    }

    @Test
    void aFailingRefreshKeepsTheValueAndReadinessSaysStaleSinceWhen() {
        assertThat(secret.get()).isEqualTo("st-secret-value-1");
        VAULT.setSecret("st-secret", "st-secret-value-2");
        VAULT.denySecret("st-secret");
        RefreshResult failed;
        try {
            failed = keyVault.refresh().toCompletableFuture().join();
            assertThat(failed.failures()).singleElement().satisfies(f -> {
                assertThat(f.property()).isEqualTo("app.secret");
                assertThat(f.kind()).isEqualTo(FailureKind.ACCESS_DENIED);
            });
            assertThat(secret.get()).isEqualTo("st-secret-value-1");
            assertThat(keyVault.current("app.secret")).contains("st-secret-value-1");
            assertThat(keyVault.staleReferences()).singleElement().satisfies(s -> {
                assertThat(s.secretName()).isEqualTo("st-secret");
                assertThat(s.since()).isEqualTo(failed.at());
            });

            String body = when().get("/q/health/ready").then().statusCode(200).extract().asString();
            Readiness.Check check = Readiness.check(body);
            assertThat(check.status()).isEqualTo("UP");
            assertThat(check.data()).containsEntry("stale", 1).containsEntry("stale-kinds", "access-denied");
            assertThat(Instant.parse((String) check.data().get("stale-since")))
                    .isEqualTo(failed.at().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
            Readiness.assertNoDetails(body, VAULT, "st-secret", "app.secret", "st-other", "app.other");
        } finally {
            VAULT.allowSecret("st-secret");
        }

        RefreshResult recovered = keyVault.refresh().toCompletableFuture().join();
        assertThat(recovered.changedProperties()).containsExactly("app.secret");
        assertThat(secret.get()).isEqualTo("st-secret-value-2");
        assertThat(keyVault.staleReferences()).isEmpty();
        String body = when().get("/q/health/ready").then().statusCode(200).extract().asString();
        assertThat(Readiness.check(body).data()).doesNotContainKeys("stale", "stale-since", "stale-kinds");
    }

    static void noValueLogged(List<LogRecord> records) {
        boolean warned = false;
        for (LogRecord r : records) {
            String m = String.valueOf(r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage());
            assertThat(m).doesNotContain("st-secret-value").doesNotContain("st-other-value");
            warned |= m.contains("Key Vault refresh failed (access-denied)");
        }
        assertThat(warned).as("the failed refresh is logged").isTrue();
    }
}
