package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/** Every validation error: 400 (or 413/415) with every problem listed, nothing written, no value echoed. */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class ValidationTest {

    static final String SECRET = LeakCheck.secret("val1dation-S3CRET-value");
    private byte[] before;
    private long setsBefore;

    @BeforeEach
    void reset() {
        TestVault.reset();
        before = envBytes();
        setsBefore = TestVault.vault.journal().count("SetSecret");
    }

    @AfterEach
    void nothingWritten() {
        assertThat(envBytes()).as(".env unchanged").isEqualTo(before);
        assertThat(TestVault.vault.journal().count("SetSecret")).as("no Key Vault write").isEqualTo(setsBefore);
    }

    private static Response invalid(String json) {
        Response r = put(json);
        r.then().statusCode(400).body("status", equalTo("invalid")).body("message", containsString("nothing was written"));
        assertThat(r.asString()).doesNotContain(SECRET);
        return r;
    }

    @Test
    void badKeys() {
        invalid("{\"lower\":\"x\",\"1ABC\":\"x\",\"A-B\":\"x\",\"_A\":\"x\",\"A B\":\"x\",\"\":\"x\"}")
                .then().body("errors", hasSize(6))
                .body("errors[0].key", equalTo("lower")).body("errors[0].problem", containsString("[A-Z][A-Z0-9_]*"))
                .body("errors[1].key", equalTo("1ABC"))
                .body("errors[2].key", equalTo("A-B"))
                .body("errors[3].key", equalTo("_A"))
                .body("errors[4].key", nullValue()).body("errors[4].problem", containsString("key #5"))
                .body("errors[5].key", nullValue());
    }

    @Test
    void keyThatLooksLikeASecretIsNotShown() {
        // a value pasted as a key by mistake must not come back
        Response r = invalid("{" + q(SECRET + "!") + ":\"x\"}");
        r.then().body("errors[0].key", nullValue());
    }

    @Test
    void tooLongKey() {
        invalid("{\"" + "A".repeat(128) + "\":\"x\"}").then().body("errors[0].problem", containsString("longer than 127"));
    }

    @Test
    void nonStringValues() {
        invalid("{\"A\":1,\"B\":true,\"C\":{\"x\":\"y\"},\"D\":[\"" + SECRET + "\"],\"E\":1.5}")
                .then().body("errors", hasSize(5))
                .body("errors[0].problem", containsString("must be a string, or null"))
                .body("errors[0].problem", containsString("number"))
                .body("errors[1].problem", containsString("boolean"))
                .body("errors[2].problem", containsString("object"))
                .body("errors[3].problem", containsString("array"));
    }

    @Test
    void controlCharacters() {
        invalid("{\"PLAIN\":" + q("line1\nline2" + SECRET) + ",\"TAB\":" + q("a\tb") + ",\"GITHUB_TOKEN\":"
                + q(SECRET + "\u0001") + ",\"ADMIN_SECRET\":" + q("x\u0000y") + ",\"BOT_APP_PASSWORD\":" + q("\u007f") + "}")
                .then().body("errors", hasSize(5))
                .body("errors[0].key", equalTo("PLAIN")).body("errors[0].problem", containsString("single-line"))
                .body("errors[1].key", equalTo("TAB"))
                .body("errors[2].key", equalTo("GITHUB_TOKEN")).body("errors[2].problem", containsString("only newline"))
                .body("errors[3].key", equalTo("ADMIN_SECRET")).body("errors[3].problem", containsString("NUL"))
                .body("errors[4].key", equalTo("BOT_APP_PASSWORD"));
    }

    @Test
    void loneSurrogate() {
        invalid("{\"GITHUB_TOKEN\":\"ab\\ud800cd\"}").then().body("errors[0].problem", containsString("Unicode"));
    }

    @Test
    void invalidReferences() {
        invalid("{\"A\":\"@kv:\",\"B\":\"@kv:bad_name\",\"C\":\"@kv:a/b/c\",\"D\":\"@kv:" + SECRET + "$\",\"E\":\"@kv?:\"}")
                .then().body("errors", hasSize(5)).body("errors[0].problem", containsString("not a valid one"));
    }

    @Test
    void valueTooLong() {
        invalid("{\"GITHUB_TOKEN\":" + q("x".repeat(2001)) + "}").then().body("errors[0].problem", containsString("2000 bytes"));
        // counted in UTF-8 bytes
        invalid("{\"GITHUB_TOKEN\":" + q("é".repeat(1001)) + "}");
    }

    @Test
    void bodyNotJson() {
        invalid("{\"A\": " + SECRET).then().body("errors[0].problem", containsString("not valid JSON"))
                .body("errors[0].problem", containsString("line 1"));
        invalid("not json " + SECRET);
        invalid("{\"A\":\"x\"} trailing");
    }

    @Test
    void bodyNotAnObject() {
        invalid("[\"A\",\"B\"]").then().body("errors[0].problem", containsString("JSON object"));
        invalid(q(SECRET));
        invalid("null");
    }

    @Test
    void emptyBodies() {
        invalid("{}").then().body("errors[0].problem", containsString("no settings"));
        invalid("").then().body("errors[0].problem", containsString("empty"));
        invalid("   ");
    }

    @Test
    void duplicateKeys() {
        invalid("{\"A\":\"1\",\"A\":\"" + SECRET + "\"}").then().body("errors[0].problem", containsString("more than once"));
    }

    @Test
    void everyProblemIsListedAndGoodKeysAreNotWritten() {
        invalid("{\"GOOD\":\"fine\",\"bad\":\"x\",\"GITHUB_TOKEN\":\"" + SECRET + "\",\"N\":5}")
                .then().body("errors", hasSize(2));
    }

    @Test
    void bodyOverTheSizeLimitIs413() {
        Response r = put("{\"A\":" + q(SECRET + "x".repeat(5000)) + "}");
        r.then().statusCode(413).body("status", equalTo("too_large")).body("message", containsString("4096 bytes"));
        assertThat(r.asString()).doesNotContain(SECRET);
    }

    @Test
    void wrongContentTypeIs415WithJson() {
        admin().contentType("text/plain").body("A=b").put("/api/settings").then().statusCode(415)
                .body("message", containsString("application/json"));
        admin().contentType("application/x-www-form-urlencoded").formParams(Map.of("A", SECRET)).put("/api/settings")
                .then().statusCode(415);
    }

    @Test
    void problemsNeverContainTheValues() {
        List<String> bodies = List.of("{\"bad key\":" + q(SECRET) + "}", "{\"PLAIN\":" + q(SECRET + "\n") + "}",
                "{\"A\":" + q("@kv:" + SECRET + "/x/y") + "}");
        for (String body : bodies) {
            invalid(body);
        }
    }
}
