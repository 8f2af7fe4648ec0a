package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

/**
 * The dev vault posts Key Vault's {@code SecretNewVersionCreated} to a webhook as Event Grid does: the validation
 * handshake first (Event Grid schema: SubscriptionValidationEvent; CloudEvents: the OPTIONS abuse protection), then
 * the event, retried when the endpoint fails, never blocking the write. The webhook is a real HTTP server.
 */
class EventGridTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String VALUE = "event-value-never-sent-4b1d";
    private static final Duration WAIT = Duration.ofSeconds(20);

    /** One request the webhook received. */
    record Received(String method, String query, Map<String, List<String>> headers, String body) {
        String header(String name) {
            return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name))
                    .map(e -> e.getValue().get(0)).findFirst().orElse(null);
        }
    }

    HttpServer server;
    final List<Received> received = new CopyOnWriteArrayList<>();
    /** Statuses for the next notifications (then 200). */
    final Deque<Integer> notificationStatuses = new ArrayDeque<>();
    volatile boolean answerValidation = true;
    volatile String allowedOrigin = EventGrid.ORIGIN;
    volatile CountDownLatch hold;

    @BeforeEach
    void webhook() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/hook", this::handle);
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void handle(HttpExchange x) throws IOException {
        String body = new String(x.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        Received r = new Received(x.getRequestMethod(), x.getRequestURI().getRawQuery(), Map.copyOf(x.getRequestHeaders()),
                body);
        received.add(r);
        byte[] answer = new byte[0];
        int status = 200;
        if (r.method().equals("OPTIONS")) {
            if (allowedOrigin != null) {
                x.getResponseHeaders().add("WebHook-Allowed-Origin", allowedOrigin);
            }
        } else if ("SubscriptionValidation".equals(r.header("aeg-event-type"))) {
            String code = JSON.readTree(body).get(0).path("data").path("validationCode").asText();
            answer = ("{\"validationResponse\":\"" + (answerValidation ? code : "not-" + code) + "\"}")
                    .getBytes(StandardCharsets.UTF_8);
        } else {
            CountDownLatch h = hold;
            if (h != null) {
                try {
                    h.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (notificationStatuses) {
                Integer s = notificationStatuses.poll();
                status = s == null ? 200 : s;
            }
        }
        x.sendResponseHeaders(status, answer.length == 0 ? -1 : answer.length);
        if (answer.length > 0) {
            x.getResponseBody().write(answer);
        }
        x.close();
    }

    URI hook(String query) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/hook" + (query == null ? "" : "?" + query));
    }

    List<Received> notifications() {
        return received.stream().filter(r -> r.method().equals("POST") && "Notification".equals(r.header("aeg-event-type")))
                .toList();
    }

    @Test
    void eventGridSchemaValidatesOnceThenPostsTheEventAsKeyVaultDoes() throws Exception {
        try (DevVault vault = DevVault.builder().build().start()) {
            vault.events().subscribe(hook("code=shared-code-123"), EventGrid.Schema.EVENT_GRID,
                    Map.of("X-Events-Secret", "header-secret"));
            SecretClient client = Sdk.secretClient(vault);
            OffsetDateTime exp = OffsetDateTime.parse("2030-01-02T03:04:05Z");
            KeyVaultSecret set = client.setSecret(new KeyVaultSecret("rotated-key", VALUE)
                    .setProperties(new SecretProperties().setExpiresOn(exp)));
            List<EventGrid.Delivery> done = vault.events().awaitDeliveries(1, WAIT);

            assertThat(done).hasSize(1);
            EventGrid.Delivery d = done.get(0);
            assertThat(d.delivered()).isTrue();
            assertThat(d.attempts()).isEqualTo(1);
            assertThat(d.status()).isEqualTo(200);
            assertThat(d.secretName()).isEqualTo("rotated-key");
            assertThat(d.version()).isEqualTo(set.getProperties().getVersion());

            // the handshake: a SubscriptionValidationEvent, before the event
            Received validation = received.get(0);
            assertThat(validation.method()).isEqualTo("POST");
            assertThat(validation.header("aeg-event-type")).isEqualTo("SubscriptionValidation");
            assertThat(validation.query()).isEqualTo("code=shared-code-123");
            assertThat(validation.header("X-Events-Secret")).isEqualTo("header-secret");
            JsonNode v = JSON.readTree(validation.body());
            assertThat(v.isArray()).isTrue();
            assertThat(v).hasSize(1);
            assertThat(v.get(0).path("eventType").asText()).isEqualTo(EventGrid.SUBSCRIPTION_VALIDATION);
            assertThat(v.get(0).path("topic").asText()).isEqualTo(vault.vaultResourceId());
            assertThat(v.get(0).path("data").path("validationCode").asText()).isNotBlank();

            List<Received> events = notifications();
            assertThat(events).hasSize(1);
            Received e = events.get(0);
            assertThat(e.header("Content-Type")).startsWith("application/json");
            assertThat(e.header("aeg-delivery-count")).isEqualTo("0");
            assertThat(e.query()).isEqualTo("code=shared-code-123");
            assertThat(e.header("X-Events-Secret")).isEqualTo("header-secret");
            JsonNode arr = JSON.readTree(e.body());
            assertThat(arr.isArray()).isTrue();
            assertThat(arr).hasSize(1);
            JsonNode ev = arr.get(0);
            assertThat(fieldNames(ev)).containsExactlyInAnyOrder("id", "topic", "subject", "eventType", "eventTime",
                    "data", "dataVersion", "metadataVersion");
            assertThat(ev.path("id").asText()).isEqualTo(d.eventId());
            assertThat(ev.path("topic").asText()).isEqualTo(vault.vaultResourceId())
                    .startsWith("/subscriptions/" + vault.subscriptionId() + "/resourceGroups/");
            assertThat(ev.path("subject").asText()).isEqualTo("rotated-key");
            assertThat(ev.path("eventType").asText()).isEqualTo("Microsoft.KeyVault.SecretNewVersionCreated");
            assertThat(Instant.parse(ev.path("eventTime").asText())).isBeforeOrEqualTo(Instant.now());
            assertThat(ev.path("dataVersion").asText()).isEqualTo("1");
            assertThat(ev.path("metadataVersion").asText()).isEqualTo("1");
            JsonNode data = ev.path("data");
            assertThat(fieldNames(data)).containsExactlyInAnyOrder("Id", "VaultName", "ObjectType", "ObjectName",
                    "Version", "NBF", "EXP");
            assertThat(data.path("Id").asText()).isEqualTo(set.getId())
                    .isEqualTo(vault.vaultUrl() + "/secrets/rotated-key/" + set.getProperties().getVersion());
            assertThat(data.path("VaultName").asText()).isEqualTo(vault.vaultName());
            assertThat(data.path("ObjectType").asText()).isEqualTo("Secret");
            assertThat(data.path("ObjectName").asText()).isEqualTo("rotated-key");
            assertThat(data.path("Version").asText()).isEqualTo(set.getProperties().getVersion());
            assertThat(data.path("EXP").asLong()).isEqualTo(exp.toEpochSecond());
            assertThat(data.path("NBF").isNull()).isTrue();
            assertThat(received.toString()).doesNotContain(VALUE);

            // a second version: no second handshake
            client.setSecret("rotated-key", VALUE + "-2");
            assertThat(vault.events().awaitDeliveries(2, WAIT)).hasSize(2);
            assertThat(notifications()).hasSize(2);
            assertThat(vault.journal().count("EventValidation")).isEqualTo(1);
            assertThat(vault.journal().count("EventDelivered")).isEqualTo(2);
            assertThat(vault.journal().count("EventDeliveryAttempt")).isEqualTo(2);
            assertThat(received.stream().filter(r -> "SubscriptionValidation".equals(r.header("aeg-event-type"))))
                    .hasSize(1);
        }
    }

    @Test
    void cloudEventsSchemaAsksTheAbuseProtectionQuestionThenPostsAStructuredEvent() throws Exception {
        try (DevVault vault = DevVault.builder().build().start()) {
            vault.events().subscribe(hook("code=c"), EventGrid.Schema.CLOUD_EVENTS);
            String version = vault.setSecret("ce-secret", VALUE);
            assertThat(vault.events().awaitDeliveries(1, WAIT)).singleElement()
                    .satisfies(d -> assertThat(d.delivered()).isTrue());

            Received options = received.get(0);
            assertThat(options.method()).isEqualTo("OPTIONS");
            assertThat(options.header("WebHook-Request-Origin")).isEqualTo("eventgrid.azure.net");
            assertThat(options.query()).isEqualTo("code=c");
            Received e = received.get(1);
            assertThat(e.method()).isEqualTo("POST");
            assertThat(e.header("Content-Type")).startsWith("application/cloudevents+json");
            JsonNode ev = JSON.readTree(e.body());
            assertThat(ev.isObject()).isTrue();
            assertThat(ev.path("specversion").asText()).isEqualTo("1.0");
            assertThat(ev.path("type").asText()).isEqualTo(EventGrid.SECRET_NEW_VERSION_CREATED);
            assertThat(ev.path("source").asText()).isEqualTo(vault.vaultResourceId());
            assertThat(ev.path("subject").asText()).isEqualTo("ce-secret");
            assertThat(ev.path("id").asText()).isNotBlank();
            assertThat(Instant.parse(ev.path("time").asText())).isBeforeOrEqualTo(Instant.now());
            assertThat(ev.path("data").path("Id").asText()).isEqualTo(vault.vaultUrl() + "/secrets/ce-secret/" + version);
            assertThat(ev.path("data").path("Version").asText()).isEqualTo(version);
            assertThat(ev.path("data").path("ObjectName").asText()).isEqualTo("ce-secret");
            assertThat(e.body()).doesNotContain(VALUE);
            assertThat(vault.journal().count("EventValidation")).isEqualTo(1);
        }
    }

    @Test
    void anEndpointThatFailsTheHandshakeGetsNoEventAndIsAskedAgainAtTheNext() throws Exception {
        try (DevVault vault = DevVault.builder().build().start()) {
            answerValidation = false;
            vault.events().subscribe(hook(null), EventGrid.Schema.EVENT_GRID);
            vault.setSecret("s1", VALUE);
            assertThat(vault.events().awaitDeliveries(1, WAIT)).singleElement().satisfies(d -> {
                assertThat(d.validationFailed()).isTrue();
                assertThat(d.delivered()).isFalse();
                assertThat(d.attempts()).isZero();
            });
            assertThat(notifications()).isEmpty();
            assertThat(vault.journal().count("EventValidationFailed")).isEqualTo(1);

            answerValidation = true;
            vault.setSecret("s1", VALUE + "2");
            assertThat(vault.events().awaitDeliveries(2, WAIT).get(1).delivered()).isTrue();
            assertThat(vault.journal().count("EventValidation")).isEqualTo(2);
            assertThat(notifications()).hasSize(1);
        }
        // CloudEvents: no WebHook-Allowed-Origin (or another origin) is a refusal
        received.clear();
        try (DevVault vault = DevVault.builder().build().start()) {
            allowedOrigin = "example.com";
            vault.events().subscribe(hook(null), EventGrid.Schema.CLOUD_EVENTS);
            vault.setSecret("s2", VALUE);
            assertThat(vault.events().awaitDeliveries(1, WAIT).get(0).validationFailed()).isTrue();
            allowedOrigin = null;
            vault.setSecret("s2", VALUE + "2");
            assertThat(vault.events().awaitDeliveries(2, WAIT).get(1).validationFailed()).isTrue();
            assertThat(received).allMatch(r -> r.method().equals("OPTIONS"));
            allowedOrigin = "*";
            vault.setSecret("s2", VALUE + "3");
            assertThat(vault.events().awaitDeliveries(3, WAIT).get(2).delivered()).isTrue();
        }
    }

    @Test
    void aFailedDeliveryIsRetriedAndAClientErrorIsNot() throws Exception {
        try (DevVault vault = DevVault.builder().build().start()) {
            vault.events().subscribe(hook(null), EventGrid.Schema.EVENT_GRID);
            notificationStatuses.addAll(List.of(503, 500));
            vault.setSecret("retried", VALUE);
            EventGrid.Delivery d = vault.events().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.delivered()).isTrue();
            assertThat(d.attempts()).isEqualTo(3);
            assertThat(notifications()).extracting(r -> r.header("aeg-delivery-count")).containsExactly("0", "1", "2");
            // the same event each time (Event Grid redelivers it unchanged)
            assertThat(notifications()).extracting(Received::body).hasSize(3)
                    .allSatisfy(b -> assertThat(JSON.readTree(b).get(0).path("id").asText()).isEqualTo(d.eventId()));

            notificationStatuses.add(400);
            vault.setSecret("refused", VALUE);
            EventGrid.Delivery refused = vault.events().awaitDeliveries(2, WAIT).get(1);
            assertThat(refused.delivered()).isFalse();
            assertThat(refused.attempts()).isEqualTo(1);
            assertThat(refused.status()).isEqualTo(400);

            notificationStatuses.addAll(List.of(503, 503, 503, 503, 503));
            vault.setSecret("given-up", VALUE);
            EventGrid.Delivery givenUp = vault.events().awaitDeliveries(3, WAIT).get(2);
            assertThat(givenUp.delivered()).isFalse();
            assertThat(givenUp.attempts()).isEqualTo(1 + EventGrid.RETRY_DELAYS.size());
            assertThat(vault.journal().count("EventDeliveryFailed")).isEqualTo(2);
            assertThat(vault.journal().count("EventDelivered")).isEqualTo(1);
        }
    }

    @Test
    void theWriteReturnsWhileTheWebhookIsStillBusy() throws Exception {
        try (DevVault vault = DevVault.builder().build().start()) {
            vault.events().subscribe(hook(null), EventGrid.Schema.EVENT_GRID);
            hold = new CountDownLatch(1);
            SecretClient client = Sdk.secretClient(vault);
            client.setSecret("fast", VALUE);
            // the write has answered while the webhook still holds the event
            assertThat(vault.events().deliveries()).isEmpty();
            assertThat(client.getSecret("fast").getValue()).isEqualTo(VALUE);
            hold.countDown();
            assertThat(vault.events().awaitDeliveries(1, WAIT).get(0).delivered()).isTrue();
        }
    }

    @Test
    void seedsAtStartAreDeliveredOnceTheVaultIsUpDeletesAndRecoversAreNot() throws Exception {
        try (DevVault vault = DevVault.builder().eventWebhook(hook("code=x")).eventSchema(EventGrid.Schema.EVENT_GRID)
                .secret("seeded", VALUE).deletionDelay(Duration.ZERO).recoveryDelay(Duration.ZERO).build().start()) {
            EventGrid.Delivery d = vault.events().awaitDeliveries(1, WAIT).get(0);
            assertThat(d.delivered()).isTrue();
            assertThat(d.secretName()).isEqualTo("seeded");
            assertThat(JSON.readTree(notifications().get(0).body()).get(0).path("data").path("Id").asText())
                    .startsWith(vault.vaultUrl() + "/secrets/seeded/");

            SecretClient client = Sdk.secretClient(vault);
            client.beginDeleteSecret("seeded").waitForCompletion();
            client.beginRecoverDeletedSecret("seeded").waitForCompletion();
            client.updateSecretProperties(client.getSecret("seeded").getProperties().setContentType("text/plain"));
            vault.setSecret("after", VALUE);
            List<EventGrid.Delivery> all = vault.events().awaitDeliveries(2, WAIT);
            assertThat(all).extracting(EventGrid.Delivery::secretName).containsExactly("seeded", "after");

            vault.events().unsubscribe();
            vault.setSecret("unsubscribed", VALUE);
            assertThat(vault.events().subscribed()).isFalse();
            assertThat(vault.events().describe()).isEmpty();
            // an event raised while subscribed, still waiting when the subscription goes, is not sent
            vault.events().subscribe(hook(null), EventGrid.Schema.EVENT_GRID);
            hold = new CountDownLatch(1);
            vault.setSecret("held", VALUE);
            long deadline = System.nanoTime() + WAIT.toNanos();
            while (notifications().size() < 3 && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertThat(notifications()).as("the webhook holds the 'held' event").hasSize(3);
            vault.setSecret("dropped", VALUE);
            vault.events().unsubscribe();
            hold.countDown();
            // deliveries run in order: once a later event is through, 'dropped' had its turn
            hold = null;
            vault.events().subscribe(hook(null), EventGrid.Schema.EVENT_GRID);
            vault.setSecret("marker", VALUE);
            assertThat(vault.events().awaitDeliveries(4, WAIT)).extracting(EventGrid.Delivery::secretName)
                    .containsExactly("seeded", "after", "held", "marker");
            assertThat(notifications()).extracting(r -> JSON.readTree(r.body()).get(0).path("subject").asText())
                    .containsExactly("seeded", "after", "held", "marker");
        }
    }

    @Test
    void theWebhookQueryIsNeverLoggedNorShown() throws Exception {
        Logger logger = Logger.getLogger(DevVault.class.getName());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage());
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        logger.addHandler(capture);
        Level before = logger.getLevel();
        logger.setLevel(Level.ALL);
        try (DevVault vault = DevVault.builder().eventWebhook(hook("code=hook-secret-81")).build().start()) {
            notificationStatuses.add(403);
            vault.setSecret("logged", VALUE);
            vault.events().awaitDeliveries(1, WAIT);
            answerValidation = false;
            vault.events().subscribe(hook("code=hook-secret-81"), EventGrid.Schema.EVENT_GRID);
            vault.setSecret("logged", VALUE + "2");
            vault.events().awaitDeliveries(2, WAIT);
            ByteArrayOutputStream banner = new ByteArrayOutputStream();
            DevVaultMain.printBanner(vault, new PrintStream(banner, true, StandardCharsets.UTF_8));

            assertThat(logged).anyMatch(m -> m.contains("not delivered to http://127.0.0.1:"))
                    .anyMatch(m -> m.contains("validation handshake"));
            assertThat(String.join("\n", logged)).doesNotContain("hook-secret-81").doesNotContain(VALUE);
            assertThat(banner.toString(StandardCharsets.UTF_8)).contains("Event webhook:           http://127.0.0.1:")
                    .doesNotContain("hook-secret-81");
            assertThat(vault.events().deliveries().toString()).doesNotContain("hook-secret-81").doesNotContain(VALUE);
        } finally {
            logger.removeHandler(capture);
            logger.setLevel(before);
        }
    }

    @Test
    void theCommandLineSubscribesAWebhook() {
        DevVault.Builder b = DevVaultMain.parse(new String[] {"--https-port", "0", "--token-port", "0",
                "--event-webhook", "http://127.0.0.1:9/hook?code=cli-secret", "--event-schema=cloudevents",
                "--event-header", "X-Secret=hv"});
        assertThat(b.eventWebhook).isEqualTo(URI.create("http://127.0.0.1:9/hook?code=cli-secret"));
        assertThat(b.eventSchema).isEqualTo(EventGrid.Schema.CLOUD_EVENTS);
        assertThat(b.eventHeaders).containsExactly(Map.entry("X-Secret", "hv"));
        assertThat(b.build().events().subscribed()).isTrue();
        assertThat(DevVaultMain.parse(new String[0]).build().events().subscribed()).isFalse();

        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--event-schema", "xml"}))
                .hasMessageContaining("--event-schema").hasMessageContaining("eventgrid or cloudevents");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--event-webhook", "http://x/ bad?code=leak-me"}))
                .hasMessage("--event-webhook: not a URL");
        assertThatThrownBy(() -> DevVault.builder().eventWebhook(URI.create("ftp://host/x?code=leak-me")).build())
                .hasMessageNotContaining("leak-me").hasMessageContaining("http or https");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--event-header", "novalue"}))
                .hasMessageContaining("NAME=VALUE");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--event-header", "bad name=hv-secret"}))
                .hasMessageNotContaining("hv-secret");
    }

    private static List<String> fieldNames(JsonNode n) {
        List<String> names = new java.util.ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
