package io.kvconfig.service;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(Profiles.NoAdminSecret.class)
@ExtendWith(LeakCheck.class)
class NoAdminSecretTest {

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
}
