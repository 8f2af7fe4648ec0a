package io.kvconfig.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class AuthTest {

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void correctBearerTokenIsAccepted() {
        given().header("Authorization", "Bearer " + TestVault.ADMIN_SECRET).get("/api/settings")
                .then().statusCode(200);
        // the scheme is case-insensitive (RFC 7235)
        given().header("Authorization", "bearer " + TestVault.ADMIN_SECRET).get("/api/keyvault/status")
                .then().statusCode(200);
    }

    @Test
    void missingHeader() {
        given().get("/api/settings").then().statusCode(401)
                .header("WWW-Authenticate", containsString("Bearer"))
                .body("status", equalTo("unauthorized"))
                .body("message", containsString("Missing Authorization header"));
    }

    @Test
    void wrongScheme() {
        given().header("Authorization", "Basic YWRtaW46YWRtaW4=").get("/api/settings").then().statusCode(401)
                .body("status", equalTo("unauthorized")).body("message", containsString("scheme"));
        given().header("Authorization", TestVault.ADMIN_SECRET).get("/api/settings").then().statusCode(401)
                .body("status", equalTo("unauthorized"));
    }

    @Test
    void emptyToken() {
        given().header("Authorization", "Bearer ").get("/api/settings").then().statusCode(401)
                .body("status", equalTo("unauthorized"));
        given().header("Authorization", "Bearer     ").get("/api/settings").then().statusCode(401)
                .body("message", containsString("Empty"));
    }

    @Test
    void wrongTokens() {
        String secret = TestVault.ADMIN_SECRET;
        for (String token : new String[] { "wrong", secret.substring(0, secret.length() - 1), secret + "x",
                secret.toUpperCase(), "x" + secret }) {
            given().header("Authorization", "Bearer " + token).get("/api/settings").then().statusCode(401)
                    .body("status", equalTo("unauthorized")).body("message", equalTo("Invalid admin token."));
            given().header("Authorization", "Bearer " + token).contentType("application/json").body("{\"A\":\"b\"}")
                    .put("/api/settings").then().statusCode(401);
        }
    }

    @Test
    void twoAuthorizationHeaders() {
        given().header("Authorization", "Bearer " + TestVault.ADMIN_SECRET).header("Authorization", "Bearer x")
                .get("/api/settings").then().statusCode(401).body("message", containsString("More than one"));
    }

    @Test
    void everyApiEndpointIsGuardedButHealthAndOpenApiAreNot() {
        given().get("/api/keyvault/status").then().statusCode(401);
        given().contentType("application/json").body("{}").put("/api/settings").then().statusCode(401);
        given().get("/api/unknown").then().statusCode(401);
        given().get("/health").then().statusCode(200).body("status", equalTo("ok"))
                .body("version", equalTo("1.0.0-SNAPSHOT"));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/settings"))
                .body(containsString("bearer"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }
}
