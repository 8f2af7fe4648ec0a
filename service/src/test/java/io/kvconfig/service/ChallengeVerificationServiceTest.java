package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.kvconfig.service.Api.envText;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.net.URI;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/**
 * The service as in production: the vault is a {@code *.vault.azure.net} host (the dev vault as
 * {@code kvtest.vault.azure.net}) and the SDK's challenge resource verification stays ON. ADMIN_SECRET is a reference
 * read at startup; a PUT writes a secret; both with the token handed only to the Key Vault host.
 */
@QuarkusTest
@TestProfile(Profiles.VerifiedVault.class)
@ExtendWith(LeakCheck.class)
class ChallengeVerificationServiceTest {

    static final String GITHUB = LeakCheck.secret("ghp_verifiedVAULT-0123456789");

    @Inject
    KeyVault keyVault;

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void runsWithVerificationOnAgainstAKeyVaultHost() {
        assertThat(keyVault.settings().challengeResourceVerification()).as("the production default, not turned off")
                .isTrue();
        assertThat(keyVault.vaultUrl()).hasValueSatisfying(
                u -> assertThat(URI.create(u).getHost()).isEqualTo(Profiles.VerifiedVault.HOST));
        // ADMIN_SECRET=@kv:admin-secret resolved at startup: the admin token works
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("reachable", equalTo(true))
                .body("references.find { it.property == 'ADMIN_SECRET' }.status", equalTo("RESOLVED"));

        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + "}").then().statusCode(200)
                .body("changes[0].stored", equalTo("keyvault"))
                .body("changes[0].reference", equalTo("@kv:github-token"));
        assertThat(TestVault.vault.secretValue("github-token")).contains(GITHUB);
        assertThat(envText()).contains("GITHUB_TOKEN=@kv:github-token\n").doesNotContain(GITHUB);
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(1);
        assertThat(TestVault.vault.journal().count("AuthorizationHeader")).as("the status probe and the write, with the token")
                .isGreaterThanOrEqualTo(2);
    }
}
