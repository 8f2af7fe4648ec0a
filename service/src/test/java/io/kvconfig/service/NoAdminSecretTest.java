package io.kvconfig.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

@QuarkusTest
@TestProfile(Profiles.NoAdminSecret.class)
@ExtendWith(LeakCheck.class)
class NoAdminSecretTest {

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void adminApiAnswers503SayingHowToSetTheSecret() {
        for (String token : new String[] { null, "Bearer anything", "Bearer " }) {
            var request = given();
            if (token != null) {
                request.header("Authorization", token);
            }
            request.get("/api/settings").then().statusCode(503)
                    .body("status", equalTo("unavailable"))
                    .body("message", containsString("ADMIN_SECRET is not set"))
                    .body("message", containsString("ADMIN_SECRET=@kv:admin-secret"));
        }
        given().contentType("application/json").body("{\"A\":\"1\"}").put("/api/settings").then().statusCode(503);
        given().get("/health").then().statusCode(200).body("status", equalTo("ok"));
    }

    /**
     * The API is off, whatever the spelling: every admin resource answers 503 to everyone, the secret the vault
     * still holds included (ADMIN_SECRET is not set, so it is no token); spellings that reach nothing stay 404.
     */
    @Test
    void everySpellingAndMethodIs503OrReachesNothing() {
        AuthTable.Caller vaultSecret = new AuthTable.Caller("the secret the vault holds",
                List.of("Authorization: Bearer " + TestVault.ADMIN_SECRET));
        var outcome = AuthTable.check(RestAssured.port, AuthTable.ADMIN_SPELLINGS,
                List.of(AuthTable.ANONYMOUS, AuthTable.WRONG_TOKEN, AuthTable.BASIC, vaultSecret), 503,
                List.of("LOG_FORMAT", "GREETING", "hello world", "\"settings\"", "\"envFile\"", "\"references\"",
                        "\"vaultUrl\"", "\"changes\"", TestVault.envFile.toString(), TestVault.vault.vaultUrl()));

        assertThat(outcome.problems()).isEmpty();
        assertThat(outcome.sent()).isEqualTo(AuthTable.ADMIN_SPELLINGS.size() * AuthTable.METHODS.size() * 4);
        assertThat(new String(Api.envBytes(), StandardCharsets.UTF_8)).isEqualTo(TestVault.baseline);
        assertThat(TestVault.vault.journal().entries()).isEmpty();
        assertThat(TestVault.vault.secretValue("admin-secret")).isEqualTo(Optional.of(TestVault.ADMIN_SECRET));
        assertThat(TestVault.vault.secretValue("github-token")).isEmpty();
    }

    @Test
    void theOpenEndpointsStayOpen() {
        for (String path : List.of("/health", "/q/health/live", "/q/health/ready", "/q/openapi")) {
            for (List<String> headers : List.of(List.<String>of(), List.of("Authorization: Bearer anything"))) {
                assertThat(RawHttp.send(RestAssured.port, "GET", path, headers, null).status()).as(path).isEqualTo(200);
            }
        }
    }

    @Test
    void anUnannotatedEndpointIsOffToo() {
        given().get("/test-only/unannotated").then().statusCode(503).body("status", equalTo("unavailable"));
    }
}
