package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.builder.Version;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.QuarkusUnitTest;
import io.restassured.RestAssured;

/**
 * With Micrometer (the Prometheus registry) in the app, the extension's meters are on {@code /q/metrics}: after a start
 * with two references, whose first read was throttled once (429, retried), they show two resolved references, the two
 * successful reads, the 429 as throttled and as a retry, the one challenge and the one token, and the resolution time.
 * Each count is checked against the dev vault's own journal. No secret name or value appears.
 */
class MetricsTest {

    static final Vault VAULT = TestVaults.shared("metrics", b -> b
            .secret("metrics-one", "metrics-value-1")
            .secret("metrics-two", "metrics-value-2"));
    static {
        VAULT.throttleNext(1, 1);
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(MetricsTest.class, TestVaults.class, Vault.class))
            // this app only: the other tests run without Micrometer
            .setForcedDependencies(List.of(
                    Dependency.of("io.quarkus", "quarkus-micrometer-registry-prometheus", Version.getVersion())))
            .overrideConfigKey("quarkus.kvconfig.startup-timeout", "20S")
            .overrideConfigKey("app.one", "@kv:metrics-one")
            .overrideConfigKey("app.two", "@kv:metrics-two");

    @ConfigProperty(name = "app.one")
    String one;
    @ConfigProperty(name = "app.two")
    String two;

    @Test
    void metersShowTheStartup() {
        assertThat(one).isEqualTo("metrics-value-1");
        assertThat(two).isEqualTo("metrics-value-2");
        String body = RestAssured.get("/q/metrics").then().statusCode(200).extract().asString();

        assertThat(value(body, "kvconfig_references{status=\"resolved\"}")).isEqualTo(2);
        assertThat(value(body, "kvconfig_references{status=\"optional-missing\"}")).isZero();
        assertThat(value(body, "kvconfig_references{status=\"left-alone\"}")).isZero();

        // the journal counts one GetSecret per read, the 429 included, and the 429 once more as Throttled
        assertThat(VAULT.count("Throttled")).isEqualTo(1);
        assertThat(VAULT.count("GetSecret")).isEqualTo(3);
        assertThat(value(body, "kvconfig_keyvault_requests_total{operation=\"get-secret\",outcome=\"success\"}")).isEqualTo(2);
        assertThat(value(body, "kvconfig_keyvault_requests_total{operation=\"get-secret\",outcome=\"throttled\"}")).isEqualTo(1);
        assertThat(value(body, "kvconfig_keyvault_retries_total{operation=\"get-secret\",reason=\"throttled\"}")).isEqualTo(1);
        assertThat(value(body, "kvconfig_keyvault_requests_total{operation=\"challenge\",outcome=\"success\"}"))
                .isEqualTo(VAULT.count("Challenge")).isEqualTo(1);
        assertThat(value(body, "kvconfig_keyvault_requests_total{operation=\"token\",outcome=\"success\"}"))
                .isEqualTo(VAULT.count("Token")).isEqualTo(1);
        // no other request outcome was counted
        assertThat(body.lines().filter(l -> l.startsWith("kvconfig_keyvault_requests_total{"))).hasSize(4);
        assertThat(body.lines().filter(l -> l.startsWith("kvconfig_resolution_duration_seconds "))).singleElement()
                .satisfies(l -> assertThat(Double.parseDouble(l.substring(l.indexOf(' ') + 1))).isPositive());

        for (String forbidden : List.of("metrics-one", "metrics-two", "metrics-value-1", "metrics-value-2")) {
            assertThat(body).doesNotContain(forbidden);
        }
        VAULT.throttleNext(0, 0);
    }

    /** The value of the sample line that starts with {@code series} (name and labels as Prometheus prints them). */
    static double value(String body, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(body);
        assertThat(m.find()).as("%s in%n%s", series, body.lines().filter(l -> l.startsWith("kvconfig")).toList()).isTrue();
        return Double.parseDouble(m.group(1));
    }
}
