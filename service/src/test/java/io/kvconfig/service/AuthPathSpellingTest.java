package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.service.AuthTable.Spelling;
import io.kvconfig.service.AuthTable.Target;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/**
 * The admin API is protected by what an endpoint is, not by how its path is spelled: every spelling of
 * {@link AuthTable#ADMIN_SPELLINGS} (the bypasses of the old path filter among them) × every method, sent raw,
 * without a token, with a wrong one and with another scheme. Nothing is answered, written or sent to the vault.
 */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class AuthPathSpellingTest {

    static final String ADMIN = "Authorization: Bearer " + TestVault.ADMIN_SECRET;

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    /** What a refused answer must never contain: a setting, a reference, the .env path, the vault. */
    static List<String> forbidden() {
        return List.of("LOG_FORMAT", "GREETING", "hello world", "@kv:", "\"settings\"", "\"envFile\"", "\"references\"",
                "\"vaultUrl\"", "\"changes\"", TestVault.envFile.toString(), TestVault.vault.vaultUrl());
    }

    @Test
    void everySpellingAndMethodIsRefusedWithoutTheToken() {
        assertThat(AuthTable.ADMIN_SPELLINGS).hasSizeGreaterThanOrEqualTo(25).doesNotHaveDuplicates();
        var outcome = AuthTable.check(RestAssured.port, AuthTable.ADMIN_SPELLINGS,
                List.of(AuthTable.ANONYMOUS, AuthTable.WRONG_TOKEN, AuthTable.BASIC), 401, forbidden());

        assertThat(outcome.problems()).isEmpty();
        assertThat(outcome.sent()).isEqualTo(AuthTable.ADMIN_SPELLINGS.size() * AuthTable.METHODS.size() * 3);
        assertThat(new String(Api.envBytes(), StandardCharsets.UTF_8)).isEqualTo(TestVault.BASELINE);
        // a refused caller makes the service talk to the vault not even once, let alone write
        assertThat(TestVault.vault.journal().entries()).isEmpty();
        assertThat(TestVault.vault.secretValue("admin-secret")).isEqualTo(Optional.of(TestVault.ADMIN_SECRET));
        assertThat(TestVault.vault.secretValue("github-token")).isEmpty();
    }

    /** The table is not vacuous: with the token, each spelling reaches the resource the table says it reaches. */
    @Test
    void withTheTokenEachSpellingReachesWhatTheTableSays() {
        int port = RestAssured.port;
        for (Spelling spelling : AuthTable.ADMIN_SPELLINGS) {
            // POST runs allowlisting, which is off here: its 503 names the firewall, proving the endpoint ran
            String method = spelling.reaches() == Target.ALLOWLIST || spelling.reaches() == Target.REFRESH ? "POST" : "GET";
            RawHttp.Reply reply = RawHttp.send(port, method, spelling.target(), List.of(ADMIN), null);
            String where = method + " " + spelling.target() + " with the token";
            switch (spelling.reaches()) {
                case SETTINGS -> assertThat(reply.status()).as(where).isEqualTo(200);
                case STATUS -> assertThat(reply.status()).as(where).isEqualTo(200);
                case FIREWALL -> assertThat(reply.status()).as(where).isEqualTo(200);
                case ALLOWLIST -> assertThat(reply.status()).as(where).isEqualTo(503);
                case REFRESH -> assertThat(reply.status()).as(where).isEqualTo(200);
                case NOTHING, UNROUTED -> assertThat(reply.status()).as(where).isEqualTo(404);
                case BAD_REQUEST -> assertThat(reply.status()).as(where).isEqualTo(400);
                default -> throw new IllegalStateException(spelling.toString());
            }
            switch (spelling.reaches()) {
                case SETTINGS -> assertThat(reply.body()).as(where).contains("\"LOG_FORMAT\"", "\"envFile\"");
                case STATUS -> assertThat(reply.body()).as(where).contains("\"configured\":true");
                case FIREWALL -> assertThat(reply.body()).as(where).contains("\"enabled\":false", "\"schedule\"");
                case ALLOWLIST -> assertThat(reply.body()).as(where).contains("allowlisting");
                case REFRESH -> assertThat(reply.body()).as(where).contains("\"changedSecrets\"", "\"periodic\":false");
                default -> assertThat(reply.body()).as(where).doesNotContain("LOG_FORMAT");
            }
        }
        assertThat(new String(Api.envBytes(), StandardCharsets.UTF_8)).isEqualTo(TestVault.BASELINE);
    }

    /**
     * The Key Vault events webhook, with no event secret configured here: every spelling × method × caller is refused
     * (503 naming the setting, deny by default), the admin token included; nothing reaches the vault.
     */
    @Test
    void theEventsWebhookIsOffWithoutItsSecretWhateverTheSpelling() {
        var outcome = AuthTable.check(RestAssured.port, AuthTable.EVENTS_SPELLINGS,
                List.of(AuthTable.ANONYMOUS, AuthTable.WRONG_TOKEN, AuthTable.BASIC), 503, forbidden());
        assertThat(outcome.problems()).isEmpty();
        assertThat(outcome.sent()).isEqualTo(AuthTable.EVENTS_SPELLINGS.size() * AuthTable.METHODS.size() * 3);
        // the admin token is no event secret: authenticated, but not for this endpoint
        RawHttp.Reply withAdmin = RawHttp.send(RestAssured.port, "POST", "/api/events/keyvault",
                List.of(ADMIN, "Content-Type: application/json"), "[]");
        assertThat(withAdmin.status()).isEqualTo(403);
        RawHttp.Reply off = RawHttp.send(RestAssured.port, "POST", "/api/events/keyvault?code=anything-at-all-0123",
                List.of("Content-Type: application/json"), "[]");
        assertThat(off.status()).isEqualTo(503);
        assertThat(off.body()).contains("kvconfig.service.events.secret").contains("KVCONFIG_SERVICE_EVENTS_SECRET");
        assertThat(TestVault.vault.journal().entries()).isEmpty();
        assertThat(new String(Api.envBytes(), StandardCharsets.UTF_8)).isEqualTo(TestVault.BASELINE);
    }

    @Test
    void theOpenEndpointsAnswerAnyone() {
        for (AuthTable.Caller caller : List.of(AuthTable.ANONYMOUS, AuthTable.WRONG_TOKEN, AuthTable.BASIC)) {
            for (String path : List.of("/health", "//health", "/q/health/live", "/q/health/ready", "/q/health",
                    "/q/openapi", "/q/swagger-ui/")) {
                RawHttp.Reply reply = RawHttp.send(RestAssured.port, "GET", path, caller.headers(), null);
                assertThat(reply.status()).as(path + " (" + caller.label() + ")").isEqualTo(200);
            }
            RawHttp.Reply health = RawHttp.send(RestAssured.port, "GET", "/health", caller.headers(), null);
            assertThat(health.body()).isEqualTo("{\"status\":\"ok\",\"version\":\"1.0.0-SNAPSHOT\"}");
        }
    }
}
