package io.kvconfig.service;

import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.nio.file.Files;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * One secret per key (issue 11, finding 6): a write whose secret another key of the same PUT writes, or another key
 * references, gets 409 naming both keys, whatever the spelling of the name (Key Vault names are case-insensitive);
 * nothing is written and Key Vault is not called.
 */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class CollisionTest {

    static final String A = LeakCheck.secret("collision-value-A-'\"\\" + Long.toHexString(System.nanoTime()));
    static final String B = LeakCheck.secret("collision-value-B-'\"\\" + Long.toHexString(System.nanoTime()));

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @ParameterizedTest
    @ValueSource(strings = { "@kv:github-token", "@kv:GITHUB-TOKEN", "@kv:GitHub-Token", "@kv?:github-token" })
    void aWriteToASecretThatAnotherKeyReferencesIsRefused(String reference) throws Exception {
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "OTHER_TOKEN=" + reference + "\n");
        byte[] before = envBytes();
        java.util.Optional<String> token = TestVault.vault.secretValue("github-token");
        long calls = TestVault.vault.journal().total();
        // GITHUB_TOKEN has no reference yet: its secret is github-token, which OTHER_TOKEN reads
        put("{\"GITHUB_TOKEN\":" + q(A) + "}").then().statusCode(409)
                .body("status", equalTo("conflict"))
                .body("errors", hasSize(1))
                .body("errors[0].key", equalTo("GITHUB_TOKEN"))
                .body("errors[0].problem", allOf(containsString("OTHER_TOKEN"), containsString("'github-token'")));
        // both keys in one PUT (the finding): refused too, naming both
        put("{\"GITHUB_TOKEN\":" + q(A) + ",\"OTHER_TOKEN\":" + q(B) + "}").then().statusCode(409)
                .body("errors[0].key", equalTo("OTHER_TOKEN"))
                .body("errors[0].problem", containsString("GITHUB_TOKEN"));
        assertThat(envBytes()).isEqualTo(before);
        assertThat(TestVault.vault.journal().total()).isEqualTo(calls);
        Api.assertUnchanged(TestVault.vault, "github-token", token);
    }

    @Test
    void twoKeysOfOnePutThatWouldStoreOneSecretAreRefused() throws Exception {
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "FIRST_KEY=@kv:shared-secret\nSECOND_KEY=@kv:Shared-SECRET\n");
        byte[] before = envBytes();
        put("{\"FIRST_KEY\":" + q(A) + ",\"SECOND_KEY\":" + q(B) + "}").then().statusCode(409)
                .body("errors[0].key", equalTo("SECOND_KEY"))
                .body("errors[0].problem", allOf(containsString("FIRST_KEY"), containsString("both store")));
        assertThat(envBytes()).isEqualTo(before);
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
        // a key that maps to another's secret by its configured name (secret-names: BOT_APP_PASSWORD=bot-password)
        Files.writeString(TestVault.envFile, TestVault.BASELINE + "MY_BOT=@kv:BOT-PASSWORD\n");
        put("{\"BOT_APP_PASSWORD\":" + q(A) + "}").then().statusCode(409)
                .body("errors[0].key", equalTo("BOT_APP_PASSWORD"))
                .body("errors[0].problem", containsString("MY_BOT"));
    }

    @Test
    void aReferenceToTheSameSecretGivenInTheSamePutCollidesToo() {
        put("{\"GITHUB_TOKEN\":" + q(A) + ",\"MIRROR\":\"@kv:Github-Token\"}").then().statusCode(409)
                .body("errors[0].key", equalTo("GITHUB_TOKEN"))
                .body("errors[0].problem", containsString("MIRROR"));
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
    }

    @Test
    void otherVaultsAndOtherNamesDoNotCollide() throws Exception {
        // same name on another vault, another name on this one, and the other key changed in the same PUT
        Files.writeString(TestVault.envFile, TestVault.BASELINE
                + "ELSEWHERE=@kv:https://other-vault.vault.azure.net/secrets/github-token\n"
                + "NEAR=@kv:github-token-2\n" + "OLD_OWNER=@kv:github-token\n");
        put("{\"GITHUB_TOKEN\":" + q(A) + ",\"OLD_OWNER\":null}").then().statusCode(200)
                .body("changes[0].reference", equalTo("@kv:github-token"));
        Api.assertHolds(TestVault.vault, "github-token", A);
        assertThat(envText()).doesNotContain("OLD_OWNER").contains("GITHUB_TOKEN=@kv:github-token\n");
        // sharing a secret by reference, without writing it, is fine
        put("{\"ALIAS\":\"@kv:github-token\"}").then().statusCode(200);
    }
}
