package io.kvconfig.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;

import java.nio.file.Files;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * With nothing configured, the extension's Dev Service runs the dev vault and the whole flow works on it.
 * <p>
 * The dev vault started here must not reach later apps whose profiles disable the Dev Service ({@code %test}):
 * NoVaultTest proves that on its own, in any order, by starting such an earlier app's dev vault itself
 * ({@link EarlierAppsDevVault}).
 */
@QuarkusTest
@TestProfile(Profiles.DevService.class)
@ExtendWith(LeakCheck.class)
class DevServiceTest {

    static final String TOKEN = LeakCheck.secret("dev-service-github-token-7");

    @Test
    void writeFlowOnTheDevServiceVault() throws Exception {
        LeakCheck.secret(Profiles.DevService.ADMIN);
        LeakCheck.install();
        LeakCheck.attach();
        given().header("Authorization", "Bearer " + Profiles.DevService.ADMIN).get("/api/keyvault/status").then().statusCode(200)
                .body("configured", equalTo(true))
                .body("vaultUrl", startsWith("https://localhost:"))
                .body("reachable", equalTo(true))
                .body("references.find { it.property == 'ADMIN_SECRET' }.status", equalTo("RESOLVED"));
        given().header("Authorization", "Bearer " + Profiles.DevService.ADMIN).contentType("application/json")
                .body("{\"GITHUB_TOKEN\":" + Api.q(TOKEN) + "}").put("/api/settings").then().statusCode(200)
                .body("changes[0].stored", equalTo("keyvault"))
                .body("changes[0].reference", equalTo("@kv:github-token"));
        assertThat(Files.readString(Profiles.DevService.ENV_FILE))
                .isEqualTo("# dev service test\nADMIN_SECRET=@kv:admin-secret\nGITHUB_TOKEN=@kv:github-token\n");
    }
}
