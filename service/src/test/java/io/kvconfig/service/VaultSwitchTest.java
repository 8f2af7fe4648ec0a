package io.kvconfig.service;

import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import java.nio.file.Files;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.devvault.DevVault;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * {@code KEY_VAULT_URL} stays writable, validated (issue 11, findings 3-4): the new vault must hold every secret that
 * {@code .env} references from the default vault, checked on that vault before anything is written, else 409 naming
 * each missing secret. The service's default vault is named by {@code KEY_VAULT_URL} here, so a new one is where the
 * same PUT's secrets go.
 */
@QuarkusTest
@TestProfile(Profiles.SecondVault.class)
@ExtendWith(LeakCheck.class)
class VaultSwitchTest {

    static final String GITHUB = LeakCheck.secret("switch-github-'\"\\" + Long.toHexString(System.nanoTime()));
    static final String DB = LeakCheck.secret("switch-db-" + Long.toHexString(System.nanoTime()));

    private static DevVault second() {
        return TestVault.vault2;
    }

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void aNewVaultMissingAReferencedSecretIsRefusedNamingEachMissingSecret() throws Exception {
        String pinned = TestVault.vault.setSecret("pinned-one", "v1");
        TestVault.vault.setSecret("only-in-first", "x");
        second().setSecret("admin-secret", "the admin secret on the second vault");
        second().setSecret("pinned-one", "v1 again"); // another version id: the pinned one is missing
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "FIRST_ONLY=@kv:only-in-first\n"
                + "PINNED=@kv:pinned-one/" + pinned + "\n" + "MAYBE=@kv?:optional-anywhere\n"
                + "ELSEWHERE=@kv:https://other-vault.vault.azure.net/secrets/not-checked\n");
        byte[] before = envBytes();
        Response r = put("{\"KEY_VAULT_URL\":" + q(second().vaultUrl()) + "}");
        r.then().statusCode(409)
                .body("status", equalTo("conflict"))
                .body("message", containsString("nothing was written"))
                .body("errors", hasSize(2))
                .body("errors[0].key", equalTo("KEY_VAULT_URL"))
                .body("errors[0].problem", containsString("secret 'only-in-first' (referenced by [FIRST_ONLY])"))
                .body("errors[1].problem", containsString("secret 'pinned-one' version " + pinned))
                .body("errors[1].problem", containsString("[PINNED]"));
        assertThat(r.asString()).doesNotContain("admin-secret").doesNotContain("optional-anywhere");
        assertThat(envBytes()).isEqualTo(before);
        // checked on the new vault: one read per distinct secret; nothing written anywhere
        assertThat(second().journal().count("GetSecret")).isEqualTo(3);
        assertThat(second().journal().count("SetSecret")).isZero();
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
    }

    @Test
    void aNewVaultWithEverySecretIsSavedAndTheSamePutsSecretsGoThere() throws Exception {
        second().setSecret("admin-secret", "the admin secret on the second vault");
        second().setSecret("DB-Password", "on the second vault"); // Key Vault names are case-insensitive
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "DB_PASSWORD=@kv:db-password\n");
        TestVault.vault.setSecret("github-token", "old value on the first vault");
        // GITHUB_TOKEN's secret is not on the new vault yet: this PUT creates it there
        put("{\"KEY_VAULT_URL\":" + q(second().vaultUrl()) + ",\"GITHUB_TOKEN\":" + q(GITHUB) + "}").then().statusCode(200)
                .body("changes[0].key", equalTo("KEY_VAULT_URL"))
                .body("changes[0].stored", equalTo("env"))
                .body("changes[1].key", equalTo("GITHUB_TOKEN"))
                .body("changes[1].stored", equalTo("keyvault"))
                .body("changes[1].reference", equalTo("@kv:github-token"))
                .body("warnings", nullValue());
        assertThat(envText()).endsWith("DB_PASSWORD=@kv:db-password\nKEY_VAULT_URL=" + second().vaultUrl()
                + "\nGITHUB_TOKEN=@kv:github-token\n");
        Api.assertHolds(second(), "github-token", GITHUB);
        Api.assertHolds(TestVault.vault, "github-token", "old value on the first vault");
        assertThat(second().journal().count("GetSecret")).isEqualTo(2);
    }

    @Test
    void aSecretOfAnExplicitVaultKeepsGoingToThatVault() throws Exception {
        second().setSecret("admin-secret", "the admin secret on the second vault");
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "DB_PASSWORD=@kv:" + TestVault.vault.vaultUrl()
                + "/secrets/explicit-db-password\n");
        put("{\"KEY_VAULT_URL\":" + q(second().vaultUrl()) + ",\"DB_PASSWORD\":" + q(DB) + "}").then().statusCode(200)
                .body("changes[1].reference", equalTo("@kv:" + TestVault.vault.vaultUrl() + "/secrets/explicit-db-password"));
        Api.assertHolds(TestVault.vault, "explicit-db-password", DB);
        Api.assertDoesNotHold(second(), "explicit-db-password", DB);
    }

    @Test
    void removingKeyVaultUrlWhileReferencesNeedItIsRefused() {
        byte[] before = envBytes();
        put("{\"KEY_VAULT_URL\":null}").then().statusCode(409)
                .body("errors[0].key", equalTo("KEY_VAULT_URL"))
                .body("errors[0].problem", containsString("[ADMIN_SECRET]"));
        assertThat(envBytes()).isEqualTo(before);
    }

    @Test
    void aNewVaultThatCannotAnswerIsNotSwitchedTo() {
        byte[] before = envBytes();
        second().faults().failNext(10, 503);
        put("{\"KEY_VAULT_URL\":" + q(second().vaultUrl()) + "}").then().statusCode(503)
                .body("status", equalTo("keyvault_error"))
                .body("message", containsString("[admin-secret]"))
                .body("message", containsString("nothing was written"));
        assertThat(envBytes()).isEqualTo(before);
    }
}
