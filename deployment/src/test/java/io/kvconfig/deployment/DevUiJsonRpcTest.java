package io.kvconfig.deployment;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.LogRecord;
import java.util.stream.StreamSupport;

import org.jboss.logmanager.ExtLogRecord;
import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.devui.tests.DevUIJsonRPCTest;
import io.quarkus.test.QuarkusDevModeTest;
import io.restassured.RestAssured;

/**
 * The Dev UI card's JSON-RPC methods in a running dev mode on the Dev Service, called the way the Dev UI calls them
 * (Quarkus's {@link DevUIJsonRPCTest}, over the Dev UI's web socket): references without values; the dev vault's
 * secrets by name; set a secret, see it listed and stored (checked inside the app, the value never comes back), delete
 * it; bad input refused by name; the dev vault's firewall rules and the startup allowlisting run. No answer and no log
 * line holds a secret value.
 */
class DevUiJsonRpcTest {

    static final String SEEDED_VALUE = "seeded-" + UUID.randomUUID();
    static final String SET_VALUE = "set-through-dev-ui-" + UUID.randomUUID();
    static final String SECOND_VALUE = "set-again-" + UUID.randomUUID();
    static final String STATE_FILE = "target/devui-rpc-" + UUID.randomUUID() + "/state.json";
    static final int PORT = DevModeReloadTest.freePort();

    static final String PROPS = """
            quarkus.http.port=%d
            quarkus.kvconfig.devservices.state-file=%s
            quarkus.kvconfig.devservices.secrets.devui-one=%s
            greeting.one=@kv:devui-one
            greeting.maybe=@kv?:devui-missing
            """.formatted(PORT, STATE_FILE, SEEDED_VALUE);

    @RegisterExtension
    static final QuarkusDevModeTest TEST = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClasses(DevUiTestRoutes.class)
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

    /** One method: QuarkusDevModeTest starts the app again for each. */
    @Test
    void cardMethods() throws Exception {
        DevUIJsonRPCTest rpc = new DevUIJsonRPCTest("quarkus-kvconfig", "http://localhost:" + PORT);

        // references: property, reference, secret, vault, status, detail; no value
        JsonNode references = rpc.executeJsonRPCMethod("getReferences");
        assertThat(references.isArray()).isTrue();
        JsonNode one = byField(references, "property", "greeting.one");
        assertThat(one.get("reference").asText()).isEqualTo("@kv:devui-one");
        assertThat(one.get("secretName").asText()).isEqualTo("devui-one");
        assertThat(one.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(one.get("vaultUrl").asText()).startsWith("https://localhost:");
        JsonNode maybe = byField(references, "property", "greeting.maybe");
        assertThat(maybe.get("status").asText()).isEqualTo("OPTIONAL_MISSING");
        assertThat(rpc.executeJsonRPCMethod(String.class, "getReferenceCount")).isEqualTo(String.valueOf(references.size()));
        String devVaultUrl = one.get("vaultUrl").asText();

        // the dev vault: URL, resource, secrets by name with enabled/updated
        JsonNode vault = rpc.executeJsonRPCMethod("getDevVault");
        assertThat(vault.get("ok").asBoolean()).as(vault.toString()).isTrue();
        assertThat(vault.get("devService").asBoolean()).isTrue();
        assertThat(vault.get("vaultUrl").asText()).isEqualTo(devVaultUrl);
        assertThat(vault.get("vaultName").asText()).isNotBlank();
        assertThat(vault.get("resourceGroup").asText()).isNotBlank();
        JsonNode seeded = byField(vault.get("secrets"), "name", "devui-one");
        assertThat(seeded.get("enabled").asBoolean()).isTrue();
        assertThat(seeded.get("updated").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");
        assertThat(names(vault.get("secrets"))).doesNotContain("devui-set");

        // set: the answer names the secret, never the value; the vault holds exactly the value given
        JsonNode set = rpc.executeJsonRPCMethod("setSecret", Map.of("name", "devui-set", "value", SET_VALUE));
        assertThat(set.get("ok").asBoolean()).as(set.toString()).isTrue();
        assertThat(set.get("message").asText()).contains("devui-set");
        assertThat(set.get("secret").get("name").asText()).isEqualTo("devui-set");
        assertThat(set.get("secret").get("enabled").asBoolean()).isTrue();
        assertThat(names(rpc.executeJsonRPCMethod("getDevVault").get("secrets"))).contains("devui-one", "devui-set");
        compare("devui-set", SET_VALUE).statusCode(200).body(is("same"));

        // bad input: refused by name, nothing written
        JsonNode badName = rpc.executeJsonRPCMethod("setSecret", Map.of("name", "bad_name!", "value", "x"));
        assertThat(badName.get("ok").asBoolean()).isFalse();
        assertThat(badName.get("message").asText()).contains("invalid secret name 'bad_name!'").contains("1-127");
        JsonNode longName = rpc.executeJsonRPCMethod("setSecret", Map.of("name", "a".repeat(128), "value", "x"));
        assertThat(longName.get("ok").asBoolean()).isFalse();
        assertThat(longName.get("message").asText()).contains("invalid secret name");
        JsonNode noValue = rpc.executeJsonRPCMethod("setSecret", Map.of("name", "devui-empty", "value", ""));
        assertThat(noValue.get("ok").asBoolean()).isFalse();
        assertThat(noValue.get("message").asText()).contains("no value given for secret 'devui-empty'");
        JsonNode noName = rpc.executeJsonRPCMethod("deleteSecret", Map.of("name", ""));
        assertThat(noName.get("ok").asBoolean()).isFalse();
        assertThat(noName.get("message").asText()).contains("no secret name given");
        assertThat(names(rpc.executeJsonRPCMethod("getDevVault").get("secrets"))).doesNotContain("devui-empty")
                .noneMatch(n -> n.startsWith("bad") || n.startsWith("aaaa"));

        // delete (and purge): gone from the list and the vault; the name can be set again at once
        JsonNode deleted = rpc.executeJsonRPCMethod("deleteSecret", Map.of("name", "devui-set"));
        assertThat(deleted.get("ok").asBoolean()).as(deleted.toString()).isTrue();
        assertThat(names(rpc.executeJsonRPCMethod("getDevVault").get("secrets"))).contains("devui-one")
                .doesNotContain("devui-set");
        compare("devui-set", SET_VALUE).statusCode(404);
        JsonNode missing = rpc.executeJsonRPCMethod("deleteSecret", Map.of("name", "devui-never-there"));
        assertThat(missing.get("ok").asBoolean()).isFalse();
        assertThat(missing.get("message").asText()).isEqualTo("the dev vault has no secret 'devui-never-there'");
        JsonNode again = rpc.executeJsonRPCMethod("setSecret", Map.of("name", "devui-set", "value", SECOND_VALUE));
        assertThat(again.get("ok").asBoolean()).as(again.toString()).isTrue();
        compare("devui-set", SECOND_VALUE).statusCode(200).body(is("same"));

        // firewall: dev mode allowlists against the dev vault (which then denies by default): the rule is listed
        JsonNode firewall = rpc.executeJsonRPCMethod("getFirewall");
        assertThat(firewall.get("ok").asBoolean()).as(firewall.toString()).isTrue();
        assertThat(firewall.get("vaultName").asText()).isEqualTo(vault.get("vaultName").asText());
        assertThat(firewall.get("defaultAction").asText()).isEqualTo("Deny");
        assertThat(texts(firewall.get("ipRules"))).anyMatch(r -> r.startsWith("203.0.113.10"));

        // the startup allowlisting run
        JsonNode allowlisting = rpc.executeJsonRPCMethod("getAllowlisting");
        assertThat(allowlisting.get("ran").asBoolean()).isTrue();
        assertThat(allowlisting.get("enabled").asBoolean()).isTrue();
        assertThat(allowlisting.get("ok").asBoolean()).as(allowlisting.toString()).isTrue();
        assertThat(allowlisting.get("ip").asText()).isEqualTo("203.0.113.10");
        assertThat(allowlisting.get("added").asBoolean() || allowlisting.get("alreadyPresent").asBoolean()).isTrue();
        assertThat(allowlisting.get("at").asText()).matches("\\d{4}-\\d{2}-\\d{2}T.*");

        // no answer and no log line holds a value
        for (JsonNode answer : List.of(references, vault, set, again, deleted, firewall, allowlisting)) {
            assertThat(answer.toString()).doesNotContain(SEEDED_VALUE, SET_VALUE, SECOND_VALUE);
        }
        assertThat(TEST.getLogRecords().stream().map(DevUiJsonRpcTest::line).toList())
                .isNotEmpty()
                .noneMatch(l -> l.contains(SEEDED_VALUE) || l.contains(SET_VALUE) || l.contains(SECOND_VALUE));
    }

    static io.restassured.response.ValidatableResponse compare(String name, String value) {
        return given().body(value).post("/devui-test/compare/" + name).then();
    }

    static JsonNode byField(JsonNode array, String field, String value) {
        return StreamSupport.stream(array.spliterator(), false).filter(n -> value.equals(n.path(field).asText()))
                .findFirst().orElseThrow(() -> new AssertionError("no element with " + field + "=" + value + " in " + array));
    }

    static List<String> names(JsonNode secrets) {
        return StreamSupport.stream(secrets.spliterator(), false).map(n -> n.get("name").asText()).toList();
    }

    static List<String> texts(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    static String line(LogRecord r) {
        String message = r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage();
        return r.getLevel() + " [" + r.getLoggerName() + "] " + message
                + (r.getThrown() == null ? "" : " " + r.getThrown());
    }
}
