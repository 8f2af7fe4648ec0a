package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class KeyVaultStatusTest {

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void reachableVaultWithReferenceStatuses() {
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("configured", equalTo(true))
                .body("vaultUrl", equalTo(TestVault.vault.vaultUrl()))
                .body("reachable", equalTo(true))
                .body("error", nullValue())
                .body("references.property", hasItem("ADMIN_SECRET"))
                .body("references.find { it.property == 'ADMIN_SECRET' }.status", equalTo("RESOLVED"))
                .body("references.find { it.property == 'ADMIN_SECRET' }.secretName", equalTo("admin-secret"));
        // a real call each time
        assertThat(TestVault.vault.journal().count("GetSecret")).isEqualTo(1);
        admin().get("/api/keyvault/status").then().statusCode(200);
        assertThat(TestVault.vault.journal().count("GetSecret")).isEqualTo(2);
    }

    @Test
    void errorsAreReportedNotSwallowed() {
        TestVault.vault.faults().failNext(1, 503);
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("configured", equalTo(true))
                .body("reachable", equalTo(false))
                .body("error", containsString("HTTP 503"));
        // the JDK client retries an idempotent GET once on a dropped connection: drop more than that
        TestVault.vault.faults().clear().dropNext(10);
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("reachable", equalTo(false))
                .body("error", containsString("unreachable"));
        TestVault.vault.faults().clear();
        admin().get("/api/keyvault/status").then().statusCode(200).body("reachable", equalTo(true));
    }
}
