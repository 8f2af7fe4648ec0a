package io.kvconfig.deployment;

import static io.kvconfig.deployment.MetricsTest.value;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.refresh.RefreshResult;
import io.quarkus.builder.Version;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;
import io.restassured.RestAssured;

/**
 * With Micrometer in the app, refreshes are counted by result, the secrets found with a new version are counted, and
 * the references serving a last good value are a gauge. Counters are per process (other tests of this JVM refresh
 * too), so the test reads them before and after; the gauge is this app's own. No secret name or value appears.
 */
class RefreshMetricsTest {

    static final Vault VAULT = TestVaults.shared("refresh-metrics", b -> b
            .secret("rm-one", "rm-value-1")
            .secret("rm-two", "rm-two-value-1"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(RefreshMetricsTest.class, MetricsTest.class, TestVaults.class,
                    Vault.class))
            .setForcedDependencies(List.of(
                    Dependency.of("io.quarkus", "quarkus-micrometer-registry-prometheus", Version.getVersion())))
            .overrideConfigKey("app.one", "@kv:rm-one")
            .overrideConfigKey("app.two", "@kv:rm-two");

    @Inject
    KeyVault keyVault;

    @Test
    void refreshesAreCountedByResultAndStaleReferencesAreAGauge() {
        String before = metrics();
        double success = counter(before, "success");
        double failed = counter(before, "failed");
        double updated = updated(before);
        assertThat(value(before, "kvconfig_references_stale")).isZero();

        // one secret rotated: a successful refresh that found one new version
        VAULT.setSecret("rm-one", "rm-value-2");
        RefreshResult rotated = keyVault.refresh().toCompletableFuture().join();
        assertThat(rotated.changedSecrets()).containsExactly("rm-one");
        String afterRotation = metrics();
        assertThat(counter(afterRotation, "success")).isEqualTo(success + 1);
        assertThat(counter(afterRotation, "failed")).isEqualTo(failed);
        assertThat(updated(afterRotation)).isEqualTo(updated + 1);

        // one secret refused: a failed refresh, one reference stale, nothing updated
        VAULT.denySecret("rm-two");
        try {
            RefreshResult refused = keyVault.refresh().toCompletableFuture().join();
            assertThat(refused.failures()).hasSize(1);
            String afterRefusal = metrics();
            assertThat(counter(afterRefusal, "failed")).isEqualTo(failed + 1);
            assertThat(counter(afterRefusal, "success")).isEqualTo(success + 1);
            assertThat(updated(afterRefusal)).isEqualTo(updated + 1);
            assertThat(value(afterRefusal, "kvconfig_references_stale")).isEqualTo(1);
        } finally {
            VAULT.allowSecret("rm-two");
        }

        // reads again: the gauge is back to zero
        keyVault.refresh().toCompletableFuture().join();
        String recovered = metrics();
        assertThat(value(recovered, "kvconfig_references_stale")).isZero();
        assertThat(counter(recovered, "success")).isEqualTo(success + 2);
        for (String forbidden : List.of("rm-one", "rm-two", "rm-value", "rm-two-value")) {
            assertThat(recovered).doesNotContain(forbidden);
        }
    }

    private static String metrics() {
        return RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** A counter that was never counted is not shown yet: zero. */
    private static double counter(String body, String result) {
        String series = "kvconfig_refresh_runs_total{result=\"" + result + "\"}";
        return body.lines().anyMatch(l -> l.startsWith(series + " ")) ? value(body, series) : 0;
    }

    private static double updated(String body) {
        String series = "kvconfig_refresh_updated_secrets_total";
        return body.lines().anyMatch(l -> l.startsWith(series + " ")) ? value(body, series) : 0;
    }
}
