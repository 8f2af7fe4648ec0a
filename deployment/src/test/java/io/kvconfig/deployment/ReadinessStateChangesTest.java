package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Readiness;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A short cache period (1 s): after the period the next readiness call probes once more; a firewall refusal is DOWN
 * with its kind and status only, while the log gets the reason once per change of state, not once per probe.
 */
class ReadinessStateChangesTest {

    static final Vault VAULT = TestVaults.shared("health-states", b -> b.secret("states-secret", "states-value-8"));
    static final long PERIOD_MILLIS = 1000;

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ReadinessStateChangesTest.class, TestVaults.class, Vault.class,
                    Readiness.class))
            .overrideConfigKey("quarkus.kvconfig.health.cache-period", PERIOD_MILLIS + "ms")
            .overrideConfigKey("quarkus.kvconfig.credential.client-id", Readiness.CLIENT_ID)
            .overrideConfigKey("quarkus.kvconfig.credential.tenant-id", Readiness.TENANT_ID)
            .overrideConfigKey("app.secret", "@kv:states-secret");

    /** Records of the readiness check's logger. */
    static final class Captured extends Handler {
        final List<LogRecord> records = new CopyOnWriteArrayList<>();

        @Override
        public void publish(LogRecord r) {
            records.add(r);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }

        List<String> at(Level level) {
            return records.stream().filter(r -> r.getLevel().intValue() == level.intValue())
                    .map(r -> r.getParameters() == null || r.getParameters().length == 0 ? r.getMessage()
                            : String.format(r.getMessage(), r.getParameters()))
                    .toList();
        }
    }

    /** A readiness call after the cache period has surely run out (measured from the previous answer). */
    static String probeAfterThePeriod(int expectedStatus) throws InterruptedException {
        Thread.sleep(PERIOD_MILLIS + 200);
        return when().get("/q/health/ready").then().statusCode(expectedStatus).extract().asString();
    }

    @Test
    void firewallDownThenUpAgain() throws Exception {
        Logger logger = Logger.getLogger("io.kvconfig.runtime.health.KeyVaultReadinessCheck");
        Captured log = new Captured();
        logger.addHandler(log);
        try {
            VAULT.resetJournal();
            String up = when().get("/q/health/ready").then().statusCode(200).extract().asString();
            assertThat(Readiness.check(up).data()).containsEntry("reachable", true);
            assertThat(VAULT.count("GetSecret")).isEqualTo(1);

            VAULT.firewallDefaultAction("Deny");
            String down = probeAfterThePeriod(503);
            assertThat(VAULT.count("GetSecret")).as("one more probe after the period").isEqualTo(2);
            Readiness.Check check = Readiness.check(down);
            assertThat(check.status()).isEqualTo("DOWN");
            // the firewall, not a refused credential; its status, not its words
            assertThat(check.data()).containsEntry("reachable", false).containsEntry("error-kind", "firewall-blocked")
                    .containsEntry("http-status", 403).containsEntry("references", 1).containsEntry("resolved", 1);
            Readiness.assertNoDetails(down, VAULT, "states-secret", "app.secret", "ForbiddenByFirewall");

            String again = probeAfterThePeriod(503);
            assertThat(VAULT.count("GetSecret")).isEqualTo(3);
            assertThat(Readiness.check(again).data()).containsEntry("error-kind", "firewall-blocked");

            // the reason went to the log, ONCE for two DOWN probes: vault, kind and the client address to allow
            List<String> warnings = log.at(org.jboss.logmanager.Level.WARN);
            assertThat(warnings).singleElement().satisfies(w -> assertThat(w).contains("DOWN")
                    .contains(VAULT.vaultUrl()).contains("firewall-blocked").contains("HTTP 403")
                    .contains("client address 203.0.113.10"));

            VAULT.firewallDefaultAction("Allow");
            String recovered = probeAfterThePeriod(200);
            assertThat(Readiness.check(recovered).data()).containsEntry("reachable", true).doesNotContainKey("error-kind");
            probeAfterThePeriod(200);
            assertThat(VAULT.count("GetSecret")).isEqualTo(5);
            assertThat(log.at(org.jboss.logmanager.Level.INFO)).singleElement()
                    .satisfies(i -> assertThat(i).contains("UP again").contains(VAULT.vaultUrl()));
            assertThat(log.at(org.jboss.logmanager.Level.WARN)).hasSize(1);
            for (LogRecord r : log.records) {
                assertThat(String.valueOf(r.getMessage()) + java.util.Arrays.toString(r.getParameters()))
                        .doesNotContain("states-value-8");
            }
        } finally {
            logger.removeHandler(log);
            VAULT.firewallDefaultAction("Allow");
        }
    }
}
