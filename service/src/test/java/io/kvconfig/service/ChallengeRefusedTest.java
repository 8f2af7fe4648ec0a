package io.kvconfig.service;

import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;

import java.nio.file.Files;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * Challenge resource verification ON (the production default) and a write to a vault whose host is not a Key Vault
 * domain: the SDK refuses the vault's challenge and sends no token. The answer says so, and what to set for a local
 * test vault, instead of "failed (RuntimeException)".
 */
@QuarkusTest
@TestProfile(Profiles.VerifiedVault.class)
@ExtendWith(LeakCheck.class)
class ChallengeRefusedTest {

    static final String VALUE = LeakCheck.secret("challenge-refused-VALUE-0123456789");

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void aRefusedChallengeIsNamedWithTheSettingForALocalTestVault() throws Exception {
        // the same dev vault reached as localhost: its challenge asks for a token of https://vault.azure.net
        Files.writeString(TestVault.envFile, TestVault.baseline + "LOCAL_TOKEN=@kv:" + TestVault.vault.vaultUrl()
                + "/secrets/local-token\n");
        String before = envText();

        put("{\"LOCAL_TOKEN\":" + q(VALUE) + "}").then().statusCode(502)
                .body("status", equalTo("keyvault_error"))
                .body("notStored[0].key", equalTo("LOCAL_TOKEN"))
                .body("notStored[0].secretName", equalTo("local-token"))
                .body("notStored[0].reason", allOf(startsWithAuthentication(),
                        containsString("'https://vault.azure.net"),
                        containsString("does not contain the vault's host, so no token was sent"),
                        containsString("for a local test vault (not Azure) set "
                                + "quarkus.kvconfig.challenge-resource-verification=false"),
                        not(containsString("RuntimeException"))));

        assertThat(envText()).isEqualTo(before);
        assertThat(TestVault.vault.secretValue("local-token")).isEmpty();
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
    }

    private static org.hamcrest.Matcher<String> startsWithAuthentication() {
        return org.hamcrest.Matchers.startsWith("authentication failed: the vault's challenge names a resource that does "
                + "not match its host: it asks for a token for ");
    }
}
