package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.service.AuthTable.Spelling;
import io.kvconfig.service.AuthTable.Target;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;

/** With {@code quarkus.http.root-path} set, the admin resources under it still need the token, however spelled. */
@QuarkusTest
@TestProfile(RootPathAuthTest.RootPath.class)
@ExtendWith(LeakCheck.class)
class RootPathAuthTest {

    public static class RootPath extends Profiles.WithVault {
        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            config.put("quarkus.http.root-path", "/root");
            return config;
        }
    }

    static final List<Spelling> SPELLINGS = List.of(
            AuthTable.s("/root/api/settings", Target.SETTINGS),
            AuthTable.s("//root/api/settings", Target.SETTINGS),
            AuthTable.s("/root//api/settings", Target.SETTINGS),
            AuthTable.s("/%72oot/api/settings", Target.SETTINGS),
            AuthTable.s("/root/./api/settings", Target.SETTINGS),
            AuthTable.s("/x/../root/api/settings", Target.SETTINGS),
            AuthTable.s("/root/x/../api/settings", Target.SETTINGS),
            AuthTable.s("/root/api;x/settings", Target.SETTINGS),
            AuthTable.s("/root/%61pi/settings", Target.SETTINGS),
            AuthTable.s("/root/api/settings/", Target.SETTINGS),
            AuthTable.s("/root/api/keyvault/status", Target.STATUS),
            AuthTable.s("//root//api/keyvault/firewall", Target.FIREWALL),
            AuthTable.s("/root/api/keyvault/firewall/allowlist", Target.ALLOWLIST),
            AuthTable.s("/root/health", Target.HEALTH),
            // outside the root path: nothing there
            AuthTable.s("/api/settings", Target.UNROUTED),
            AuthTable.s("//api/settings", Target.UNROUTED),
            AuthTable.s("/api/keyvault/status", Target.UNROUTED),
            AuthTable.s("/root/../api/settings", Target.UNROUTED),
            AuthTable.s("/ROOT/api/settings", Target.UNROUTED),
            AuthTable.s("/rootapi/settings", Target.UNROUTED),
            AuthTable.s("/root%2Fapi/settings", Target.UNROUTED),
            AuthTable.s("/root;x/api/settings", Target.UNROUTED));

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void everySpellingAroundTheRootPathIsRefusedWithoutTheToken() {
        var outcome = AuthTable.check(RestAssured.port, SPELLINGS,
                List.of(AuthTable.ANONYMOUS, AuthTable.WRONG_TOKEN, AuthTable.BASIC), 401, AuthPathSpellingTest.forbidden());

        assertThat(outcome.problems()).isEmpty();
        assertThat(new String(Api.envBytes(), StandardCharsets.UTF_8)).isEqualTo(TestVault.BASELINE);
        assertThat(TestVault.vault.journal().entries()).isEmpty();
    }

    @Test
    void withTheTokenTheAdminResourcesAnswerUnderTheRootPath() {
        List<String> admin = List.of("Authorization: Bearer " + TestVault.ADMIN_SECRET);
        for (Spelling spelling : SPELLINGS) {
            RawHttp.Reply reply = RawHttp.send(RestAssured.port, "GET", spelling.target(), admin, null);
            int want = switch (spelling.reaches()) {
                case SETTINGS, STATUS, FIREWALL, HEALTH -> 200;
                case ALLOWLIST -> 405;
                default -> 404;
            };
            assertThat(reply.status()).as("GET " + spelling.target() + " with the token").isEqualTo(want);
        }
        for (String open : List.of("/root/q/health/live", "/root/q/openapi")) {
            assertThat(RawHttp.send(RestAssured.port, "GET", open, List.of(), null).status()).as(open).isEqualTo(200);
        }
    }
}
