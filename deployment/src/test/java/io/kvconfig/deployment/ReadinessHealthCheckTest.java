package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Readiness;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;
import io.restassured.response.Response;

/**
 * With quarkus-smallrye-health, default cache period (30 s): anonymous readiness calls, some of them concurrent, cost
 * ONE Key Vault request, and every answer holds counts and statuses only.
 */
class ReadinessHealthCheckTest {

    static final Vault VAULT = TestVaults.shared("health", b -> b.secret("health-secret", "health-secret-value-5"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessHealthCheckTest.class, TestVaults.class, Vault.class,
                    Readiness.class))
            .overrideConfigKey("quarkus.kvconfig.credential.client-id", Readiness.CLIENT_ID)
            .overrideConfigKey("quarkus.kvconfig.credential.tenant-id", Readiness.TENANT_ID)
            .overrideConfigKey("app.secret", "@kv:health-secret")
            .overrideConfigKey("app.maybe", "@kv?:health-absent");

    @Test
    void twentyAnonymousProbesCostOneKeyVaultCall() throws Exception {
        VAULT.resetJournal();
        List<String> bodies = new ArrayList<>();
        // a slow vault: the first probe is still in flight when the concurrent ones arrive, and they share it
        VAULT.latencyMillis(500);
        ExecutorService pool = Executors.newFixedThreadPool(10);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<Response>> answers = new ArrayList<>();
            for (int i = 0; i < 10; i++) {
                answers.add(pool.submit(() -> {
                    assertThat(go.await(60, TimeUnit.SECONDS)).isTrue();
                    return when().get("/q/health/ready");
                }));
            }
            go.countDown();
            for (Future<Response> a : answers) {
                Response r = a.get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(200);
                bodies.add(r.asString());
            }
        } finally {
            pool.shutdownNow();
            VAULT.latencyMillis(0);
        }
        for (int i = 0; i < 10; i++) {
            bodies.add(when().get("/q/health/ready").then().statusCode(200).extract().asString());
        }

        assertThat(VAULT.count("GetSecret")).as("Key Vault requests for 20 readiness calls").isEqualTo(1);
        assertThat(VAULT.count("Challenge")).isZero();
        for (String body : bodies) {
            Readiness.Check check = Readiness.check(body);
            assertThat(check.status()).isEqualTo("UP");
            assertThat(check.data()).containsEntry("vault", "configured").containsEntry("reachable", true)
                    .containsEntry("references", 2).containsEntry("resolved", 1).containsEntry("optional-missing", 1)
                    .containsEntry("left-alone", 0)
                    .doesNotContainKeys("error-kind", "http-status");
            // no secret name (nor value), no property name
            Readiness.assertNoDetails(body, VAULT, "health-secret", "health-absent", "app.secret", "app.maybe");
        }
    }
}
