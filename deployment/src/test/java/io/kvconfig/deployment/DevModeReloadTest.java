package io.kvconfig.deployment;

import static io.restassured.RestAssured.when;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.quarkus.test.QuarkusDevModeTest;
import io.restassured.RestAssured;

/**
 * Dev mode on the Dev Service: a {@code @kv:} reference added while the app runs resolves after the reload, a
 * secret written to the dev vault before the restart (not seeded from config) is still there after it (the state
 * file carries the dev vault across the restart), and a seeded secret changed at runtime keeps its new value: the
 * seed does not overwrite what the state file holds.
 * <p>
 * Firewall allowlisting runs by default in dev mode against the Dev Service's vault (which then denies by default),
 * when the vault refuses a request ({@code quarkus.kvconfig.firewall.when=on-refusal}, set by the Dev Service): the first
 * start is refused once, adds the rule and reads again; the restart is let through (the state file kept the rule), so it
 * sends no Resource Manager or IP echo request. The dev vault's DEBUG lines (one per request it answers) count them.
 * <p>
 * A user's first screen: neither the start nor the reload logs a WARN or an ERROR (no Docker probe: the extension
 * does not bring Quarkus's container Dev Services), and the installed features do not include {@code compose}.
 */
class DevModeReloadTest {

    /** A fresh state file per run, so nothing left by an earlier run can make the test pass. */
    static final String STATE_FILE = "target/devmode-" + UUID.randomUUID() + "/state.json";
    /**
     * A free port, not dev mode's 8080 (another build or a developer's dev mode may hold it). Dev mode has no test
     * port of its own and the dev-mode test points RestAssured at 8080, so the port is chosen here and given to both.
     */
    static final int PORT = freePort();

    static final String PROPS = """
            quarkus.http.port=%d
            quarkus.kvconfig.devservices.state-file=%s
            quarkus.kvconfig.devservices.secrets.dev-one=dev-one-value
            greeting.one=@kv:dev-one
            quarkus.log.category."io.kvconfig.devvault.DevVault".level=DEBUG
            """.formatted(PORT, STATE_FILE);

    @RegisterExtension
    static final QuarkusDevModeTest TEST = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClasses(DevModeRoutes.class)
                    .addAsResource(new StringAsset(PROPS), "application.properties"))
            .setLogRecordPredicate(r -> true);

    @BeforeAll
    static void port() {
        RestAssured.port = PORT;
    }

    @AfterAll
    static void resetPort() {
        RestAssured.reset();
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * One test method: QuarkusDevModeTest starts the app again for each, on the same state file (the rule added by
     * the first start would then be found by the second).
     */
    @Test
    void newReferenceResolvesAfterReloadAndStateSurvives() {
        // dev mode allowlists by default against the Dev Service's vault, whose firewall then denies by default:
        // the first read was refused, then startup added this machine's address (the dev vault's stand-in) through
        // the emulated Resource Manager and read again
        when().get("/kv-firewall").then().statusCode(200).body(is("ok=true ip=203.0.113.10 rule=true"));
        assertThat(TEST.getLogRecords().stream().map(DevModeReloadTest::line).toList())
                .anyMatch(l -> l.startsWith("INFO ") && l.contains("Key Vault firewall: added IP rule 203.0.113.10"));
        List<String> firstStart = requests(0);
        assertThat(firstStart.stream().filter(l -> l.startsWith("GET /secrets/dev-one") && l.endsWith("(GetSecret)")))
                .as(firstStart.toString()).containsExactly("GET /secrets/dev-one -> 403 (GetSecret)",
                        "GET /secrets/dev-one -> 200 (GetSecret)");
        assertThat(firstStart).anyMatch(l -> l.endsWith("(IpEcho)")).anyMatch(l -> l.endsWith("(VaultPatch)"));

        when().get("/kv/one").then().statusCode(200).body(is("dev-one-value"));
        // the app writes secrets at runtime (as the service's write_env does): a new one, and a seeded one
        when().post("/kv/write/dev-written/written-at-runtime").then().statusCode(200);
        when().post("/kv/write/dev-one/dev-one-changed-at-runtime").then().statusCode(200);

        // a new seed changes the Dev Service config, so the dev vault restarts; a new reference appears
        int beforeRestart = TEST.getLogRecords().size();
        TEST.modifyResourceFile("application.properties", s -> s
                + "quarkus.kvconfig.devservices.secrets.dev-two=dev-two-value\n"
                + "greeting.two=@kv:dev-two\n"
                + "greeting.written=@kv:dev-written\n");

        when().get("/kv/two").then().statusCode(200).body(is("dev-two-value"));
        when().get("/kv/written").then().statusCode(200).body(is("written-at-runtime"));
        // still seeded with dev-one-value, but the state file holds dev-one: the runtime change wins
        when().get("/kv/one").then().statusCode(200).body(is("dev-one-changed-at-runtime"));
        // the restarted dev vault kept the firewall rule (state file): found, not added again
        when().get("/kv-firewall").then().statusCode(200).body(is("ok=true ip=203.0.113.10 rule=true"));
        // ... and the restart was let through: no refusal, so no Resource Manager or IP echo request at all
        List<String> restart = requests(beforeRestart);
        assertThat(restart).as("the restart's requests").anyMatch(l -> l.equals("GET /secrets/dev-two -> 200 (GetSecret)"))
                .noneMatch(l -> l.contains(" -> 403 "))
                .noneMatch(l -> l.contains(" /subscriptions"))
                .noneMatch(l -> l.endsWith("(IpEcho)"));

        List<String> records = TEST.getLogRecords().stream().map(DevModeReloadTest::line).toList();
        List<String> features = records.stream().filter(l -> l.contains("Installed features:")).toList();
        assertThat(features).as("the start and the reload each print the installed features").hasSizeGreaterThanOrEqualTo(2)
                .allSatisfy(l -> assertThat(l).contains("kvconfig").doesNotContain("compose"));
        assertThat(TEST.getLogRecords().stream().filter(DevModeReloadTest::warnOrError).map(DevModeReloadTest::line).toList())
                .as("WARN and ERROR lines of a clean dev start and reload").isEmpty();
    }

    /** The requests the dev vault answered (its DEBUG lines, "GET /path -> 200 (Operation)"), from record {@code from} on. */
    static List<String> requests(int from) {
        List<LogRecord> records = TEST.getLogRecords();
        return records.subList(from, records.size()).stream()
                .filter(r -> "io.kvconfig.devvault.DevVault".equals(r.getLoggerName()) && r.getLevel().intValue() < Level.INFO.intValue())
                .map(r -> r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage())
                .filter(l -> l.contains(" -> ")).toList();
    }

    /** WARN or ERROR; not Vert.x's blocked-thread warning, a timer that a loaded machine trips (timings are not tested). */
    static boolean warnOrError(LogRecord r) {
        return r.getLevel().intValue() >= Level.WARNING.intValue()
                && !"io.vertx.core.impl.BlockedThreadChecker".equals(r.getLoggerName());
    }

    private static String line(LogRecord r) {
        String message = r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage();
        return r.getLevel() + " [" + r.getLoggerName() + "] " + message;
    }
}
