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
 * Named to sort after NoVaultTest: Quarkus orders test profiles by class name, and the Dev Service started here
 * stays running with its config applied to later apps in the same JVM, even when their profile disables it (seen
 * with Quarkus 3.33.2), which would give NoVaultTest a vault.
 */
@QuarkusTest
@TestProfile(Profiles.DevService.class)
@ExtendWith(LeakCheck.class)
class WithDevServiceTest {

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
