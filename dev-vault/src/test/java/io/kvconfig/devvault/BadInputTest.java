package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets the service's error codes and never changes or breaks the vault. */
class BadInputTest {
    private static final String VALUE = "bad-input-survivor-value";
    private static DevVault vault;
    private static Raw raw;
    private static String token;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().build().start();
        vault.setSecret("survivor", VALUE);
        raw = new Raw(vault);
        token = raw.vaultToken();
    }

    @AfterAll
    static void stop() {
        assertThat(vault.secretNames()).containsExactly("survivor");
        assertThat(vault.secretValue("survivor")).contains(VALUE);
        assertThat(raw.get("/secrets/survivor?api-version=7.4").statusCode()).isEqualTo(200);
        vault.close();
    }

    @Test
    void malformedJsonIsBadParameterAndNotEchoed() {
        HttpResponse<String> r = raw.send("PUT", "/secrets/survivor?api-version=7.4", token,
                "{\"value\": \"leak-me-not" + " \"oops");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Raw.errorCode(r)).isEqualTo("BadParameter");
        assertThat(r.body()).doesNotContain("leak-me-not");
        for (String body : new String[] {"[]", "\"just a string\"", "{}", "{\"value\": 42}", "{\"value\": null}",
                "{\"value\":\"x\",\"tags\":[1]}", "{\"value\":\"x\",\"attributes\":{\"enabled\":\"yes\"}}",
                "{\"value\":\"x\",\"attributes\":{\"exp\":\"tomorrow\"}}", ""}) {
            HttpResponse<String> bad = raw.send("PUT", "/secrets/survivor?api-version=7.4", token, body);
            assertThat(bad.statusCode()).as(body).isEqualTo(400);
            assertThat(Raw.errorCode(bad)).as(body).isEqualTo("BadParameter");
        }
        assertThat(raw.send("PATCH", "/secrets/survivor?api-version=7.4", token, "{not json").statusCode())
                .isEqualTo(400);
    }

    @Test
    void hugeBodiesAreRefused() {
        String huge = "{\"value\":\"" + "x".repeat(1024 * 1024 + 10) + "\"}";
        HttpResponse<String> r = raw.send("PUT", "/secrets/huge?api-version=7.4", token, huge);
        assertThat(r.statusCode()).isEqualTo(413);
        // over the 25 KB secret value limit but under the body limit
        HttpResponse<String> big = raw.send("PUT", "/secrets/big?api-version=7.4", token,
                "{\"value\":\"" + "y".repeat(30 * 1024) + "\"}");
        assertThat(big.statusCode()).isEqualTo(400);
        assertThat(Raw.errorCode(big)).isEqualTo("BadParameter");
    }

    @Test
    void invalidNamesAreBadParameter() {
        for (String name : new String[] {"has_underscore", "has.dot", "a".repeat(128), "sp%20ace", "%C3%A9t%C3%A9"}) {
            HttpResponse<String> r = raw.send("PUT", "/secrets/" + name + "?api-version=7.4", token, "{\"value\":\"v\"}");
            assertThat(r.statusCode()).as(name).isEqualTo(400);
            assertThat(Raw.errorCode(r)).isEqualTo("BadParameter");
            assertThat(Raw.json(r).path("error").path("message").asText()).contains("invalid name");
            assertThat(raw.get("/secrets/" + name + "?api-version=7.4").statusCode()).isEqualTo(400);
        }
        assertThat(raw.get("/secrets/survivor/not-a-version?api-version=7.4").statusCode()).isEqualTo(400);
    }

    @Test
    void unknownOrMissingApiVersionIsBadParameter() {
        HttpResponse<String> r = raw.get("/secrets/survivor?api-version=1999-01-01");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Raw.json(r).path("error").path("message").asText())
                .isEqualTo("The specified version (1999-01-01) is not recognized. Consider using the latest supported"
                        + " version (2025-07-01).");
        assertThat(raw.get("/secrets/survivor").statusCode()).isEqualTo(400);
        for (String v : new String[] {"7.0", "7.4", "7.5", "7.6", "2025-07-01", "7.6-preview.2"}) {
            assertThat(raw.get("/secrets/survivor?api-version=" + v).statusCode()).as(v).isEqualTo(200);
        }
    }

    @Test
    void unknownMethodsAndPathsAreRefused() {
        assertThat(raw.send("POST", "/secrets/survivor?api-version=7.4", token, "{}").statusCode()).isEqualTo(405);
        assertThat(raw.send("DELETE", "/secrets?api-version=7.4", token, null).statusCode()).isEqualTo(405);
        assertThat(raw.send("PUT", "/deletedsecrets/survivor?api-version=7.4", token, "{}").statusCode()).isEqualTo(405);
        assertThat(raw.send("GET", "/secrets/a/b/c?api-version=7.4", token, null).statusCode()).isEqualTo(404);
        assertThat(raw.send("GET", "/nothing-here", token, null).statusCode()).isEqualTo(404);
        assertThat(raw.send("BREW", "/secrets/survivor?api-version=7.4", token, null).statusCode()).isEqualTo(405);
        assertThat(raw.send("POST", "/ip", null, null).statusCode()).isEqualTo(405);
    }

    @Test
    void badPagingParametersAreBadParameter() {
        assertThat(raw.get("/secrets?api-version=7.4&maxresults=0").statusCode()).isEqualTo(400);
        assertThat(raw.get("/secrets?api-version=7.4&maxresults=26").statusCode()).isEqualTo(400);
        assertThat(raw.get("/secrets?api-version=7.4&maxresults=abc").statusCode()).isEqualTo(400);
        assertThat(raw.get("/secrets?api-version=7.4&$skiptoken=***").statusCode()).isEqualTo(400);
        HttpResponse<String> page = raw.get("/secrets?api-version=7.4&maxresults=1");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(Raw.json(page).path("value").get(0).has("value")).as("list items carry no value").isFalse();
        assertThat(page.body()).doesNotContain(VALUE);
    }

    @Test
    void badArmRequestsAreRefusedWithoutChangingTheVault() {
        String arm = raw.armToken();
        String url = vault.vaultResourceId() + "?api-version=2025-05-01";
        assertThat(raw.send("PUT", url, arm, "{broken").statusCode()).isEqualTo(400);
        assertThat(raw.send("PUT", url, arm, "{\"location\":\"westeurope\"}").statusCode()).isEqualTo(400);
        HttpResponse<String> badAction = raw.send("PATCH", url, arm,
                "{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Maybe\"}}}");
        assertThat(badAction.statusCode()).isEqualTo(400);
        assertThat(raw.send("PATCH", url, arm,
                "{\"properties\":{\"networkAcls\":{\"ipRules\":[{\"value\":\"999.1.1.1\"}]}}}").statusCode()).isEqualTo(400);
        assertThat(raw.send("GET", vault.vaultResourceId() + "?api-version=2099-01-01", arm, null).statusCode())
                .isEqualTo(400);
        assertThat(raw.send("GET", vault.vaultResourceId(), arm, null).statusCode()).isEqualTo(400);
        assertThat(Raw.errorCode(raw.send("GET", vault.vaultResourceId().replace("/vaults/" + vault.vaultName(), "/vaults/other")
                + "?api-version=2025-05-01", arm, null))).isEqualTo("ResourceNotFound");
        assertThat(raw.send("DELETE", url, arm, null).statusCode()).isEqualTo(405);
        assertThat(raw.send("GET", url, null, null).statusCode()).isEqualTo(401);
        assertThat(vault.firewall().defaultAction()).isEqualTo("Allow");
        assertThat(vault.firewall().ipRules()).isEmpty();

        // a valid PATCH works and is visible in GET
        HttpResponse<String> ok = raw.send("PATCH", url, arm,
                "{\"properties\":{\"networkAcls\":{\"defaultAction\":\"Deny\",\"ipRules\":[{\"value\":\"198.51.100.7\"}]}}}");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(Raw.json(ok).path("properties").path("networkAcls").path("ipRules").get(0).path("value").asText())
                .isEqualTo("198.51.100.7/32");
        assertThat(vault.firewall().admits("198.51.100.7")).isTrue();
        assertThat(vault.firewall().admits(vault.publicIp())).isFalse();
        vault.firewall().defaultAction("Allow").clearIpRules();
    }
}
