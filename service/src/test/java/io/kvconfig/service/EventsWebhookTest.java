package io.kvconfig.service;

import static io.kvconfig.service.Api.admin;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.nullValue;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import jakarta.inject.Inject;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.devvault.EventGrid;
import io.kvconfig.devvault.Journal;
import io.kvconfig.runtime.KeyVault;
import io.kvconfig.service.events.EventsApi;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/**
 * The Key Vault events webhook end to end: Event Grid's handshakes (both schemas), forged events refused, a real
 * event POSTed by the dev vault after a secret set refreshes that one secret (one GET in the dev vault's journal),
 * other events acknowledged and ignored; and the service using refresh: ADMIN_SECRET rotated without a restart (by
 * {@code POST /api/keyvault/refresh}, by an event, by a PUT), {@code restartRequired} false for a PUT that only rotated.
 */
@QuarkusTest
@TestProfile(Profiles.Events.class)
@ExtendWith(LeakCheck.class)
class EventsWebhookTest {

    static final String SECRET = Profiles.Events.EVENTS_SECRET;
    static final Duration WAIT = Duration.ofSeconds(30);

    @Inject
    KeyVault keyVault;

    @BeforeEach
    void reset() throws Exception {
        // first: a reset that sets a secret back must not become an event for the next test
        if (TestVault.vault != null) {
            TestVault.vault.events().unsubscribe();
        }
        TestVault.reset();
        TestVault.vault.events().clearDeliveries();
        if (!TestVault.vault.secretValue("app-token").equals(Optional.of(Profiles.Events.APP_TOKEN))) {
            TestVault.vault.setSecret("app-token", Profiles.Events.APP_TOKEN);
        }
        // the service takes the vault's values back (an earlier test may have rotated them)
        keyVault.refresh().toCompletableFuture().get(30, TimeUnit.SECONDS);
        TestVault.vault.journal().reset();
    }

    static RequestSpecification events() {
        return given().queryParam("code", SECRET);
    }

    static String webhook(String query) {
        return "http://localhost:" + RestAssured.port + EventsApi.PATH + (query == null ? "" : "?" + query);
    }

    static String secretEvent(String vaultUrl, String name) {
        return "[{\"id\":\"e1\",\"topic\":\"/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v\","
                + "\"subject\":\"" + name + "\",\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\","
                + "\"eventTime\":\"2026-11-30T08:00:00Z\",\"data\":{\"Id\":\"" + vaultUrl + "/secrets/" + name
                + "/0123456789abcdef0123456789abcdef\",\"VaultName\":\"v\",\"ObjectType\":\"Secret\",\"ObjectName\":\""
                + name + "\",\"Version\":\"0123456789abcdef0123456789abcdef\",\"NBF\":null,\"EXP\":null},"
                + "\"dataVersion\":\"1\",\"metadataVersion\":\"1\"}]";
    }

    static long gets(Journal journal) {
        return journal.count("GetSecret");
    }

    // ---- handshakes ----

    @Test
    void eventGridSchemaValidationIsAnswered() {
        String validation = "[{\"id\":\"2d1781af-3a4c-4d7c-bd0c-e34b19da4e66\",\"topic\":\"/subscriptions/x\","
                + "\"subject\":\"\",\"data\":{\"validationCode\":\"512d38b6-c7b8-40c8-89fe-f46f9e9622b6\","
                + "\"validationUrl\":\"https://rp-eastus2.eventgrid.azure.net:553/eventsubscriptions/x/validate?id=y\"},"
                + "\"eventType\":\"Microsoft.EventGrid.SubscriptionValidationEvent\",\"eventTime\":\"2026-11-30T08:00:00Z\","
                + "\"metadataVersion\":\"1\",\"dataVersion\":\"2\"}]";
        events().header("aeg-event-type", "SubscriptionValidation").contentType("application/json").body(validation)
                .post(EventsApi.PATH).then().statusCode(200)
                .body("validationResponse", equalTo("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
        // the secret as a header (an Event Grid delivery property) works the same
        given().header(EventsApi.SECRET_HEADER, SECRET).contentType("application/json; charset=utf-8").body(validation)
                .post(EventsApi.PATH).then().statusCode(200)
                .body("validationResponse", equalTo("512d38b6-c7b8-40c8-89fe-f46f9e9622b6"));
        // without the secret, no code comes back
        Response refused = given().contentType("application/json").body(validation).post(EventsApi.PATH);
        assertThat(refused.statusCode()).isEqualTo(401);
        assertThat(refused.asString()).doesNotContain("512d38b6");
        assertThat(TestVault.vault.journal().entries()).isEmpty();
    }

    @Test
    void cloudEventsAbuseProtectionIsAnswered() {
        events().header("WebHook-Request-Origin", "eventgrid.azure.net").header("WebHook-Request-Rate", "120")
                .options(EventsApi.PATH).then().statusCode(200)
                .header("WebHook-Allowed-Origin", "eventgrid.azure.net")
                .header("WebHook-Allowed-Rate", "*");
        // unauthenticated: refused, and no allowed origin
        given().header("WebHook-Request-Origin", "eventgrid.azure.net").options(EventsApi.PATH).then().statusCode(401)
                .header("WebHook-Allowed-Origin", nullValue());
        given().queryParam("code", "wrong-events-secret-0123456789").header("WebHook-Request-Origin", "eventgrid.azure.net")
                .options(EventsApi.PATH).then().statusCode(401).header("WebHook-Allowed-Origin", nullValue());
        // OPTIONS without the handshake header stays 405, with the secret too
        events().options(EventsApi.PATH).then().statusCode(405);
        // the handshake header opens OPTIONS nowhere else, not even with the admin token: RESTEasy's own answer is refused
        for (String path : List.of("/api/settings", "/api/keyvault/status", "/health", "/api/keyvault/refresh", "/nothing")) {
            Response r = admin().header("WebHook-Request-Origin", "eventgrid.azure.net").options(path);
            assertThat(r.statusCode()).as(path).isIn(404, 405);
            assertThat(r.header("Allow")).as(path).isNull();
            assertThat(r.header("WebHook-Allowed-Origin")).as(path).isNull();
        }
    }

    // ---- forged or unauthenticated ----

    @Test
    void forgedEventsAreRefusedWithoutAHint() {
        String event = secretEvent(TestVault.vault.vaultUrl(), "app-token");
        List<RequestSpecification> forged = List.of(
                given(),
                given().queryParam("code", "wrong-events-secret-0123456789"),
                given().queryParam("code", ""),
                given().queryParam("code", SECRET + " "),
                given().queryParam("code", SECRET.substring(0, SECRET.length() - 1)),
                given().header(EventsApi.SECRET_HEADER, "wrong-events-secret-0123456789"),
                // the secret twice (query and header) is ambiguous: no identity
                given().queryParam("code", SECRET).header(EventsApi.SECRET_HEADER, SECRET),
                given().header("Authorization", "Bearer " + SECRET),
                given().header("Authorization", "Bearer wrong-admin-token-0123456789"));
        String first = null;
        for (RequestSpecification caller : forged) {
            Response r = caller.contentType("application/json").body(event).post(EventsApi.PATH);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.header("WWW-Authenticate")).isNull();
            assertThat(r.asString()).contains("\"status\":\"unauthorized\"").doesNotContain("ADMIN_SECRET");
            // one answer for every refusal: nothing tells a missing secret from a wrong or nearly right one
            if (first == null) {
                first = r.asString();
            }
            assertThat(r.asString()).isEqualTo(first);
        }
        // the admin token authenticates, but not for this endpoint
        admin().contentType("application/json").body(event).post(EventsApi.PATH).then().statusCode(403);
        // the event secret opens no admin endpoint
        events().get("/api/settings").then().statusCode(403);
        events().post("/api/keyvault/refresh").then().statusCode(403);
        given().header(EventsApi.SECRET_HEADER, SECRET).get("/api/keyvault/status").then().statusCode(403);
        // nothing was refreshed
        assertThat(gets(TestVault.vault.journal())).isZero();
        assertThat(TestVault.vault.journal().entries()).isEmpty();
    }

    @Test
    void unreadableDeliveriesAreRefusedAfterAuthentication() {
        events().contentType("text/plain").body("hello").post(EventsApi.PATH).then().statusCode(415)
                .body("message", equalTo("Send Event Grid events as application/json, or CloudEvents as "
                        + "application/cloudevents+json or application/cloudevents-batch+json."));
        events().contentType("application/json").body("{not json " + SECRET).post(EventsApi.PATH).then().statusCode(400)
                .body("message", equalTo("The body is not JSON."));
        events().contentType("application/cloudevents+json").body("[]").post(EventsApi.PATH).then().statusCode(400);
        events().contentType("application/cloudevents-batch+json").body("{}").post(EventsApi.PATH).then().statusCode(400);
        events().contentType("application/json").body("[1]").post(EventsApi.PATH).then().statusCode(400)
                .body("message", equalTo("Each event must be a JSON object."));
        events().contentType("application/json").body("\"x\"").post(EventsApi.PATH).then().statusCode(400);
        // unauthenticated, the same bodies get the 401 first
        given().contentType("text/plain").body("hello").post(EventsApi.PATH).then().statusCode(401);
        assertThat(TestVault.vault.journal().entries()).isEmpty();
    }

    // ---- real events from the dev vault ----

    @Test
    void aRealEventGridEventFromTheDevVaultRefreshesThatOneSecretWithOneGet() throws Exception {
        TestVault.vault.events().subscribe(URI.create(webhook("code=" + SECRET)), EventGrid.Schema.EVENT_GRID);
        String rotated = LeakCheck.secret("app-token-v2-" + System.nanoTime());
        TestVault.vault.setSecret("app-token", rotated);

        EventGrid.Delivery d = TestVault.vault.events().awaitDeliveries(1, WAIT).get(0);
        assertThat(d.delivered()).as(d.toString()).isTrue();
        assertThat(d.status()).isEqualTo(200);
        Journal journal = TestVault.vault.journal();
        assertThat(journal.count("EventValidation")).isEqualTo(1);
        assertThat(journal.count("EventValidationFailed")).isZero();
        // exactly ONE GET, of that secret
        assertThat(gets(journal)).isEqualTo(1);
        assertThat(journal.entries()).filteredOn(e -> e.operation().equals("GetSecret"))
                .singleElement().satisfies(e -> assertThat(e.path()).startsWith("/secrets/app-token"));
        assertThat(keyVault.current("APP_TOKEN")).contains(rotated);
        // the admin secret and the event secret were not re-read
        assertThat(journal.entries()).noneMatch(e -> e.path().contains("admin-secret") || e.path().contains("events-secret"));
    }

    @Test
    void aRealCloudEventFromTheDevVaultRefreshesThatOneSecretWithOneGet() throws Exception {
        TestVault.vault.events().subscribe(URI.create(webhook(null)), EventGrid.Schema.CLOUD_EVENTS,
                java.util.Map.of(EventsApi.SECRET_HEADER, SECRET));
        String rotated = LeakCheck.secret("app-token-ce-" + System.nanoTime());
        TestVault.vault.setSecret("app-token", rotated);

        EventGrid.Delivery d = TestVault.vault.events().awaitDeliveries(1, WAIT).get(0);
        assertThat(d.delivered()).as(d.toString()).isTrue();
        assertThat(TestVault.vault.journal().count("EventValidation")).isEqualTo(1);
        assertThat(gets(TestVault.vault.journal())).isEqualTo(1);
        assertThat(keyVault.current("APP_TOKEN")).contains(rotated);
    }

    @Test
    void aSubscriptionWithTheWrongSecretNeverPassesTheHandshake() throws Exception {
        TestVault.vault.events().subscribe(URI.create(webhook("code=wrong-events-secret-0123456789")),
                EventGrid.Schema.EVENT_GRID);
        String before = keyVault.current("APP_TOKEN").orElseThrow();
        TestVault.vault.setSecret("app-token", LeakCheck.secret("app-token-unseen-" + System.nanoTime()));
        EventGrid.Delivery d = TestVault.vault.events().awaitDeliveries(1, WAIT).get(0);
        assertThat(d.validationFailed()).isTrue();
        assertThat(gets(TestVault.vault.journal())).isZero();
        assertThat(keyVault.current("APP_TOKEN")).contains(before);
    }

    @Test
    void otherVaultsOtherTypesAndUnreferencedSecretsAreAcknowledgedAndIgnored() {
        // another vault
        events().contentType("application/json").body(secretEvent("https://other.vault.azure.net", "app-token"))
                .post(EventsApi.PATH).then().statusCode(200)
                .body("status", equalTo("ok")).body("ignored", equalTo(1)).body("refreshed", empty());
        // other event types, in both schemas
        String nearExpiry = "[{\"id\":\"n\",\"topic\":\"/x\",\"subject\":\"app-token\",\"eventType\":"
                + "\"Microsoft.KeyVault.SecretNearExpiry\",\"eventTime\":\"2026-11-30T08:00:00Z\",\"data\":{\"Id\":\""
                + TestVault.vault.vaultUrl() + "/secrets/app-token/0123456789abcdef0123456789abcdef\"},"
                + "\"dataVersion\":\"1\",\"metadataVersion\":\"1\"}]";
        events().contentType("application/json").body(nearExpiry).post(EventsApi.PATH).then().statusCode(200)
                .body("ignored", equalTo(1));
        String blob = "{\"specversion\":\"1.0\",\"type\":\"Microsoft.Storage.BlobCreated\",\"source\":\"/x\","
                + "\"id\":\"b\",\"time\":\"2026-11-30T08:00:00Z\",\"data\":{}}";
        events().contentType("application/cloudevents+json").body(blob).post(EventsApi.PATH).then().statusCode(200)
                .body("events", equalTo(1)).body("ignored", equalTo(1));
        // a SecretNewVersionCreated without a secret id
        events().contentType("application/json").body("[{\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\","
                + "\"data\":{\"Id\":\"not a url\"}}]").post(EventsApi.PATH).then().statusCode(200).body("ignored", equalTo(1));
        // this vault, but a secret no reference names: acknowledged, nothing fetched
        events().contentType("application/json").body(secretEvent(TestVault.vault.vaultUrl(), "nobody-uses-this"))
                .post(EventsApi.PATH).then().statusCode(200)
                .body("refreshed", empty()).body("unchanged", contains("nobody-uses-this"));
        assertThat(gets(TestVault.vault.journal())).isZero();
        assertThat(LeakCheck.LOG_LINES).anyMatch(l -> l.contains("Key Vault event ignored: secret 'app-token' of vault "
                + "https://other.vault.azure.net"));
        assertThat(LeakCheck.LOG_LINES).anyMatch(l -> l.contains("Key Vault event ignored: Microsoft.KeyVault.SecretNearExpiry"));
    }

    @Test
    void aBatchRefreshesEachSecretOnce() {
        String vault = TestVault.vault.vaultUrl();
        String a = secretEvent(vault, "app-token");
        String batch = a.substring(0, a.length() - 1) + "," + a.substring(1, a.length() - 1) + ","
                + secretEvent(vault, "APP-TOKEN").substring(1);
        TestVault.vault.setSecret("app-token", LeakCheck.secret("app-token-batch-" + System.nanoTime()));
        TestVault.vault.journal().reset();
        events().contentType("application/json").body(batch).post(EventsApi.PATH).then().statusCode(200)
                .body("events", equalTo(3)).body("refreshed", contains("app-token"));
        assertThat(gets(TestVault.vault.journal())).isEqualTo(1);
    }

    // ---- the service uses refresh ----

    @Test
    void aRotatedAdminSecretIsAcceptedAfterPostRefreshAndTheOldOneRefused() {
        String rotated = LeakCheck.secret("rotated-Admin-secret-" + Long.toHexString(System.nanoTime()));
        TestVault.vault.setSecret("admin-secret", rotated);
        // nothing refreshed yet: the old token still works, the new one does not
        admin().get("/api/keyvault/status").then().statusCode(200);
        given().header("Authorization", "Bearer " + rotated).get("/api/settings").then().statusCode(401);
        TestVault.vault.journal().reset();

        Response answer = admin().post("/api/keyvault/refresh");
        answer.then().statusCode(200)
                .body("changedProperties", contains("ADMIN_SECRET"))
                .body("changedSecrets", contains("admin-secret"))
                .body("failures", empty())
                .body("periodic", equalTo(true));
        // one GET per distinct unpinned secret: admin-secret, events-secret, app-token
        assertThat(gets(TestVault.vault.journal())).isEqualTo(3);

        given().header("Authorization", "Bearer " + TestVault.ADMIN_SECRET).get("/api/settings").then().statusCode(401);
        given().header("Authorization", "Bearer " + rotated).get("/api/settings").then().statusCode(200);
        assertThat(LeakCheck.LOG_LINES).anyMatch(l -> l.contains("ADMIN_SECRET has a new version in Key Vault"));

        // nothing changed since: an empty answer, no value
        given().header("Authorization", "Bearer " + rotated).post("/api/keyvault/refresh").then().statusCode(200)
                .body("changedProperties", empty()).body("changedSecrets", empty());
    }

    @Test
    void aReferenceWhoseRefreshFailsKeepsItsValueAndTheAdminStatusSaysSinceWhenAndWhy() {
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("references.find { it.property == 'APP_TOKEN' }.staleSince", nullValue());
        TestVault.vault.secretAccess().denySecret("app-token");
        try {
            admin().post("/api/keyvault/refresh").then().statusCode(200)
                    .body("failures.size()", equalTo(1));
            admin().get("/api/keyvault/status").then().statusCode(200)
                    .body("references.find { it.property == 'APP_TOKEN' }.staleKind", equalTo("ACCESS_DENIED"))
                    .body("references.find { it.property == 'APP_TOKEN' }.staleSince", org.hamcrest.Matchers.notNullValue())
                    .body("references.find { it.property == 'ADMIN_SECRET' }.staleSince", nullValue());
            // the last good value still serves
            assertThat(keyVault.current("APP_TOKEN")).contains(Profiles.Events.APP_TOKEN);
            // the open readiness check counts it, naming nothing
            given().get("/q/health/ready").then().statusCode(200)
                    .body("checks.find { it.name == 'Azure Key Vault' }.data.stale", equalTo(1));
        } finally {
            TestVault.vault.secretAccess().allowSecret("app-token");
        }
        admin().post("/api/keyvault/refresh").then().statusCode(200).body("failures", empty());
        admin().get("/api/keyvault/status").then().statusCode(200)
                .body("references.find { it.property == 'APP_TOKEN' }.staleSince", nullValue());
    }

    @Test
    void aRotatedAdminSecretIsAcceptedOnceItsEventArrives() throws Exception {
        TestVault.vault.events().subscribe(URI.create(webhook("code=" + SECRET)), EventGrid.Schema.EVENT_GRID);
        String rotated = LeakCheck.secret("event-rotated-Admin-" + Long.toHexString(System.nanoTime()));
        TestVault.vault.setSecret("admin-secret", rotated);
        assertThat(TestVault.vault.events().awaitDeliveries(1, WAIT).get(0).delivered()).isTrue();
        assertThat(gets(TestVault.vault.journal())).isEqualTo(1);

        given().header("Authorization", "Bearer " + TestVault.ADMIN_SECRET).get("/api/settings").then().statusCode(401);
        given().header("Authorization", "Bearer " + rotated).get("/api/settings").then().statusCode(200);
    }

    @Test
    void aPutThatOnlyRotatesTakesEffectAtOnceWithoutARestart() {
        String rotated = LeakCheck.secret("put-rotated-Admin-" + Long.toHexString(System.nanoTime()));
        Api.put("{\"ADMIN_SECRET\":\"" + rotated + "\"}").then().statusCode(200)
                .body("restartRequired", equalTo(false))
                .body("changes[0].key", equalTo("ADMIN_SECRET"))
                .body("changes[0].reference", equalTo("@kv:admin-secret"));
        // the write, then ONE GET of the rotated secret
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(1);
        assertThat(gets(TestVault.vault.journal())).isEqualTo(1);
        given().header("Authorization", "Bearer " + TestVault.ADMIN_SECRET).get("/api/settings").then().statusCode(401);
        given().header("Authorization", "Bearer " + rotated).get("/api/settings").then().statusCode(200)
                .body("settings.key", hasItem("ADMIN_SECRET"));
    }

    @Test
    void aPutThatDoesMoreThanRotateStillNeedsARestart() {
        // a plain value beside the rotation
        String rotated = LeakCheck.secret("mixed-rotated-Admin-" + Long.toHexString(System.nanoTime()));
        Api.put("{\"ADMIN_SECRET\":\"" + rotated + "\",\"LOG_FORMAT\":\"text\"}").then().statusCode(200)
                .body("restartRequired", equalTo(true));
        // not refreshed: the old token still works (the status call probes the vault: one GET, not counted below)
        assertThat(gets(TestVault.vault.journal())).isZero();
        admin().get("/api/keyvault/status").then().statusCode(200);
        TestVault.vault.journal().reset();
        // a secret the running config does not reference yet
        Api.put("{\"GITHUB_TOKEN\":\"" + LeakCheck.secret("ghp-new-" + System.nanoTime()) + "\"}").then().statusCode(200)
                .body("restartRequired", equalTo(true))
                .body("changes.key", hasItems("GITHUB_TOKEN"));
        assertThat(gets(TestVault.vault.journal())).isZero();
    }
}
