package io.kvconfig.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;

import java.util.List;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class AuthTest {

    @Inject
    IdentityProviderManager identities;

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
        // no resource, nothing to protect: the same 404 with or without the token (AuthPathSpellingTest)
        given().get("/api/unknown").then().statusCode(404).body("status", equalTo("error"))
                .body("message", equalTo("Not found."));
        given().get("/health").then().statusCode(200).body("status", equalTo("ok"))
                .body("version", equalTo("1.0.0-SNAPSHOT"));
        given().get("/q/health/ready").then().statusCode(200);
        given().get("/q/openapi").then().statusCode(200).body(containsString("/api/settings"))
                .body(containsString("bearer"));
        given().get("/q/swagger-ui/").then().statusCode(200);
    }

    /** Only the single space after the scheme is syntax: the token itself is compared as sent, never trimmed. */
    @Test
    void theExactTokenOnlyNothingTrimmed() {
        String secret = TestVault.ADMIN_SECRET;
        int port = RestAssured.port;
        assertThat(RawHttp.send(port, "GET", "/api/keyvault/firewall", List.of("Authorization: Bearer " + secret), null)
                .status()).isEqualTo(200);
        RawHttp.Reply leadingSpace = RawHttp.send(port, "GET", "/api/keyvault/firewall",
                List.of("Authorization: Bearer  " + secret), null);
        assertThat(leadingSpace.status()).isEqualTo(401);
        assertThat(leadingSpace.body()).isEqualTo("{\"status\":\"unauthorized\",\"message\":\"Invalid admin token.\"}");
        RawHttp.Reply tab = RawHttp.send(port, "GET", "/api/keyvault/firewall", List.of("Authorization: Bearer\t" + secret), null);
        assertThat(tab.status()).isEqualTo(401);
        assertThat(tab.body()).contains("Unsupported Authorization scheme");

        // HTTP drops whitespace at both ends of a header value before the application sees it (RFC 9110, 5.5), so a
        // trailing space, tab or newline can only be shown one level down: the header parser keeps it...
        for (String tail : List.of(" ", "\t", "\n", "\r\n", "\u00a0")) {
            assertThat(AdminTokenMechanism.bearerToken("Bearer " + secret + tail)).isEqualTo(secret + tail);
        }
        assertThat(AdminTokenMechanism.bearerToken("Bearer  " + secret)).isEqualTo(" " + secret);
        assertThat(AdminTokenMechanism.bearerToken("bEaReR " + secret)).isEqualTo(secret);
        // ...and Quarkus Security's identity provider refuses it
        for (String token : List.of(secret + " ", secret + "\t", secret + "\n", secret + "\r\n", " " + secret,
                "\t" + secret, secret + "\u0000")) {
            assertThatThrownBy(() -> identities.authenticateBlocking(new AdminTokenRequest(token)))
                    .isInstanceOf(AuthenticationFailedException.class).hasMessage("Invalid admin token.");
        }
        SecurityIdentity admin = identities.authenticateBlocking(new AdminTokenRequest(secret));
        assertThat(admin.isAnonymous()).isFalse();
        assertThat(admin.getRoles()).containsExactly("admin");
        assertThat(admin.getCredentials()).isEmpty();
    }

    @Test
    void anEndpointWithoutASecurityAnnotationIsDeniedToEveryone() {
        given().get("/test-only/unannotated").then().statusCode(401).body("status", equalTo("unauthorized"));
        Api.admin().get("/test-only/unannotated").then().statusCode(403).body("status", equalTo("forbidden"))
                .body(not(containsString(UnannotatedTestResource.REACHED)));
        RawHttp.Reply spelled = RawHttp.send(RestAssured.port, "GET", "//test-only/./unannotated",
                List.of("Authorization: Bearer " + TestVault.ADMIN_SECRET), null);
        assertThat(spelled.status()).isEqualTo(403);
        assertThat(spelled.body()).doesNotContain(UnannotatedTestResource.REACHED);
    }

    @Test
    void optionsIsNotAMethodOfTheApi() {
        for (String path : List.of("/api/settings", "/api/keyvault/status", "/health")) {
            Api.admin().options(path).then().statusCode(405).header("Allow", nullValue())
                    .body("message", equalTo("Method not allowed here."));
        }
    }
}
