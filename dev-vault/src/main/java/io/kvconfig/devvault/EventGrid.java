package io.kvconfig.devvault;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The vault's Event Grid system topic with one webhook subscription: when a secret gets a new version (a data-plane
 * set, {@link DevVault#setSecret}, a seed applied at start) it POSTs {@code Microsoft.KeyVault.SecretNewVersionCreated}
 * to the webhook as Event Grid does, in the Event Grid schema or as a CloudEvents 1.0 structured event. Before the
 * first delivery it runs Event Grid's endpoint validation: a {@code SubscriptionValidationEvent} whose
 * {@code validationCode} must come back as {@code {"validationResponse": code}} (Event Grid schema), or the CloudEvents
 * abuse-protection {@code OPTIONS} with {@code WebHook-Request-Origin}, answered with {@code WebHook-Allowed-Origin}.
 * <p>
 * Delivery runs on a thread of its own, in order, never inside a secret write: a write returns before its event is
 * sent. A failed delivery (no answer, 408, 429, 5xx) is retried after {@link #RETRY_DELAYS}; 400, 401, 403, 404 and
 * 413 are not retried (Event Grid dead-letters or drops them). Each attempt and outcome is counted in the
 * {@link Journal} ({@code EventValidation}, {@code EventValidationFailed}, {@code EventDeliveryAttempt},
 * {@code EventDelivered}, {@code EventDeliveryFailed}) and every finished delivery is kept in {@link #deliveries()}.
 * Recovering a deleted secret brings back its latest version and creates none, so it posts nothing (as Key Vault).
 * The webhook URL may carry a shared secret ({@code ?code=}): it is never logged; logs name scheme, host, port and
 * path only. Secret values are never in an event.
 */
public final class EventGrid {
    /** The event type Key Vault publishes when a secret gets a new version. */
    public static final String SECRET_NEW_VERSION_CREATED = "Microsoft.KeyVault.SecretNewVersionCreated";
    public static final String SUBSCRIPTION_VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent";
    /** The origin Event Grid announces in the CloudEvents abuse-protection handshake. */
    public static final String ORIGIN = "eventgrid.azure.net";
    /** Waits before the 2nd, 3rd and 4th attempt (Event Grid waits 10 s, 30 s, 1 min, ...: shortened for tests). */
    public static final List<Duration> RETRY_DELAYS = List.of(Duration.ofMillis(200), Duration.ofMillis(500),
            Duration.ofSeconds(1));
    private static final Set<Integer> NOT_RETRIED = Set.of(400, 401, 403, 404, 413);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The event schema of the subscription. */
    public enum Schema {
        /** Event Grid's own schema: a JSON array of events, {@code application/json}. */
        EVENT_GRID,
        /** CloudEvents 1.0, structured mode: one event per request, {@code application/cloudevents+json}. */
        CLOUD_EVENTS;

        /** {@code eventgrid} / {@code cloudevents} (any case, {@code -} and {@code _} ignored). */
        public static Schema parse(String s) {
            String n = s == null ? "" : s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
            return switch (n) {
                case "eventgrid", "eventgridschema" -> EVENT_GRID;
                case "cloudevents", "cloudeventschemav10", "cloudevents10" -> CLOUD_EVENTS;
                default -> throw new IllegalArgumentException("unknown event schema '" + s
                        + "': use eventgrid or cloudevents");
            };
        }
    }

    /**
     * One finished delivery: the event (id, type, secret name and version), the attempts made, the last HTTP status
     * (0 = no answer) and whether it was accepted (2xx). {@code validationFailed}: the endpoint did not pass the
     * validation handshake, so the event was not sent.
     */
    public record Delivery(String eventId, String eventType, String secretName, String version, int attempts,
            int status, boolean delivered, boolean validationFailed) {
    }

    /** The subscription: where to post, in which schema, with which extra headers (delivery properties). */
    private record Subscription(URI endpoint, Schema schema, Map<String, String> headers) {
    }

    /** Known once the state is loaded (at start): a subscription may be made before. */
    private final Supplier<Coordinates> coordinates;
    private final Journal journal;
    private final Supplier<String> vaultUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();
    private final ExecutorService sender = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "dev-vault-event-grid");
        t.setDaemon(true);
        return t;
    });
    private final List<Delivery> deliveries = new ArrayList<>();
    private volatile Subscription subscription;
    /** The subscription the endpoint validated (validation runs again after a new subscribe). */
    private volatile Subscription validated;
    /** Events raised before the servers started wait here (seeds): their ids name the vault's URL. */
    private final List<Runnable> early = new ArrayList<>();
    private volatile boolean started;
    private volatile boolean closed;

    EventGrid(Supplier<Coordinates> coordinates, Journal journal, Supplier<String> vaultUrl) {
        this.coordinates = coordinates;
        this.journal = journal;
        this.vaultUrl = vaultUrl;
    }

    /**
     * Subscribes a webhook (replacing any earlier subscription): {@code endpoint} is http or https, and may carry a
     * query (e.g. {@code ?code=<shared secret>}); {@code headers} are sent with every request, validation included
     * (Event Grid's delivery properties, e.g. a static secret header). The next event validates the endpoint first.
     */
    public EventGrid subscribe(URI endpoint, Schema schema, Map<String, String> headers) {
        if (endpoint == null || endpoint.getHost() == null
                || !("http".equalsIgnoreCase(endpoint.getScheme()) || "https".equalsIgnoreCase(endpoint.getScheme()))) {
            throw new IllegalArgumentException("the event webhook must be an absolute http or https URL");
        }
        if (schema == null) {
            throw new IllegalArgumentException("the event schema must be given");
        }
        Map<String, String> h = new LinkedHashMap<>(headers == null ? Map.of() : headers);
        h.forEach((k, v) -> {
            if (k == null || !k.matches("[A-Za-z0-9-]+") || v == null || v.indexOf('\r') >= 0 || v.indexOf('\n') >= 0) {
                throw new IllegalArgumentException("an event webhook header needs a token name and a one-line value: "
                        + k);
            }
        });
        subscription = new Subscription(endpoint, schema, Map.copyOf(h));
        return this;
    }

    public EventGrid subscribe(URI endpoint, Schema schema) {
        return subscribe(endpoint, schema, Map.of());
    }

    /** Removes the subscription: events not yet sent (and later ones) are not sent. */
    public EventGrid unsubscribe() {
        subscription = null;
        validated = null;
        return this;
    }

    public boolean subscribed() {
        return subscription != null;
    }

    /** "scheme://host:port/path (schema)" of the subscription, without its query or headers (they may hold a secret). */
    public java.util.Optional<String> describe() {
        Subscription s = subscription;
        return s == null ? java.util.Optional.empty() : java.util.Optional.of(where(s.endpoint()) + " ("
                + (s.schema() == Schema.EVENT_GRID ? "Event Grid schema" : "CloudEvents 1.0") + ")");
    }

    /** The finished deliveries (delivered, given up, or refused by validation), oldest first. */
    public List<Delivery> deliveries() {
        synchronized (deliveries) {
            return List.copyOf(deliveries);
        }
    }

    /** Clears {@link #deliveries()}. */
    public void clearDeliveries() {
        synchronized (deliveries) {
            deliveries.clear();
        }
    }

    /**
     * Waits until at least {@code count} deliveries have finished (however they ended), at most {@code timeout}.
     *
     * @return the finished deliveries, which may be fewer than {@code count} when the time ran out
     */
    public List<Delivery> awaitDeliveries(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (deliveries) {
            while (deliveries.size() < count) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                TimeUnit.NANOSECONDS.timedWait(deliveries, left);
            }
            return List.copyOf(deliveries);
        }
    }

    /** Called by the secret store (under its lock) when a version is added: only queues the event. */
    void secretVersionCreated(String name, SecretStore.Version version) {
        Subscription to = subscription;
        if (to == null || closed) {
            return;
        }
        String versionId = version.id;
        Long nbf = version.nbf;
        Long exp = version.exp;
        Runnable send = () -> deliver(to, name, versionId, nbf, exp);
        synchronized (early) {
            if (!started) {
                early.add(send);
                return;
            }
        }
        sender.execute(send);
    }

    /** The servers are up (the vault URL is known): send what waited. */
    void start() {
        synchronized (early) {
            started = true;
            early.forEach(sender::execute);
            early.clear();
        }
    }

    void close() {
        closed = true;
        sender.shutdownNow();
    }

    // ---- the wire ----

    /** The event in the Event Grid schema (one element of the array posted). */
    ObjectNode eventGridEvent(String id, Instant time, String name, String version, Long nbf, Long exp) {
        ObjectNode e = NODES.objectNode();
        e.put("id", id);
        e.put("topic", coordinates.get().resourceId());
        e.put("subject", name);
        e.put("eventType", SECRET_NEW_VERSION_CREATED);
        e.put("eventTime", time.toString());
        e.set("data", data(name, version, nbf, exp));
        e.put("dataVersion", "1");
        e.put("metadataVersion", "1");
        return e;
    }

    /** The event as a CloudEvents 1.0 structured JSON object (Event Grid's CloudEvents mapping). */
    ObjectNode cloudEvent(String id, Instant time, String name, String version, Long nbf, Long exp) {
        ObjectNode e = NODES.objectNode();
        e.put("specversion", "1.0");
        e.put("type", SECRET_NEW_VERSION_CREATED);
        e.put("source", coordinates.get().resourceId());
        e.put("subject", name);
        e.put("id", id);
        e.put("time", time.toString());
        e.put("datacontenttype", "application/json");
        e.set("data", data(name, version, nbf, exp));
        return e;
    }

    /** Key Vault's event data: the full secret id with version, the vault's name, the object and its dates. */
    private ObjectNode data(String name, String version, Long nbf, Long exp) {
        ObjectNode d = NODES.objectNode();
        d.put("Id", vaultUrl.get() + "/secrets/" + name + "/" + version);
        d.put("VaultName", coordinates.get().vaultName());
        d.put("ObjectType", "Secret");
        d.put("ObjectName", name);
        d.put("Version", version);
        if (nbf == null) {
            d.putNull("NBF");
        } else {
            d.put("NBF", nbf);
        }
        if (exp == null) {
            d.putNull("EXP");
        } else {
            d.put("EXP", exp);
        }
        return d;
    }

    /** Event Grid's SubscriptionValidationEvent, in the Event Grid schema. */
    ArrayNode validationEvent(String code) {
        ArrayNode arr = NODES.arrayNode();
        ObjectNode e = arr.addObject();
        e.put("id", UUID.randomUUID().toString());
        e.put("topic", coordinates.get().resourceId());
        e.put("subject", "");
        ObjectNode d = e.putObject("data");
        d.put("validationCode", code);
        e.put("eventType", SUBSCRIPTION_VALIDATION);
        e.put("eventTime", Instant.now().toString());
        e.put("metadataVersion", "1");
        e.put("dataVersion", "2");
        return arr;
    }

    private void deliver(Subscription to, String name, String version, Long nbf, Long exp) {
        if (subscription != to) {
            return; // unsubscribed (or replaced) since the event was raised: Event Grid delivers no more
        }
        String id = UUID.randomUUID().toString();
        if (!validate(to)) {
            finish(new Delivery(id, SECRET_NEW_VERSION_CREATED, name, version, 0, 0, false, true));
            return;
        }
        Instant time = Instant.now();
        String body;
        String type;
        if (to.schema() == Schema.EVENT_GRID) {
            body = NODES.arrayNode().add(eventGridEvent(id, time, name, version, nbf, exp)).toString();
            type = "application/json; charset=utf-8";
        } else {
            body = cloudEvent(id, time, name, version, nbf, exp).toString();
            type = "application/cloudevents+json; charset=utf-8";
        }
        int attempts = 0;
        int status = 0;
        while (true) {
            attempts++;
            journal.outcome("EventDeliveryAttempt");
            HttpRequest.Builder req = request(to, "Notification", attempts - 1)
                    .header("Content-Type", type)
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
            try {
                status = http.send(req.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
            } catch (IOException e) {
                status = 0;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (status / 100 == 2) {
                journal.outcome("EventDelivered");
                finish(new Delivery(id, SECRET_NEW_VERSION_CREATED, name, version, attempts, status, true, false));
                return;
            }
            if (NOT_RETRIED.contains(status) || attempts > RETRY_DELAYS.size()) {
                journal.outcome("EventDeliveryFailed");
                DevVault.LOG.log(System.Logger.Level.WARNING, "Dev vault: event for secret '" + name
                        + "' not delivered to " + where(to.endpoint()) + " after " + attempts + " attempt(s) ("
                        + (status == 0 ? "no answer" : "HTTP " + status) + ")");
                finish(new Delivery(id, SECRET_NEW_VERSION_CREATED, name, version, attempts, status, false, false));
                return;
            }
            try {
                Thread.sleep(RETRY_DELAYS.get(attempts - 1).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** Event Grid's endpoint validation, once per subscription (again after a failure). */
    private boolean validate(Subscription to) {
        if (validated == to) {
            return true;
        }
        journal.outcome("EventValidation");
        boolean ok;
        try {
            if (to.schema() == Schema.EVENT_GRID) {
                String code = UUID.randomUUID().toString().toUpperCase(Locale.ROOT);
                HttpResponse<String> answer = http.send(request(to, "SubscriptionValidation", 0)
                        .header("Content-Type", "application/json; charset=utf-8")
                        .POST(HttpRequest.BodyPublishers.ofString(validationEvent(code).toString())).build(),
                        HttpResponse.BodyHandlers.ofString());
                ok = answer.statusCode() == 200 && code.equals(validationResponse(answer.body()));
            } else {
                HttpResponse<Void> answer = http.send(request(to, null, 0)
                        .header("WebHook-Request-Origin", ORIGIN)
                        .header("WebHook-Request-Rate", "120")
                        .method("OPTIONS", HttpRequest.BodyPublishers.noBody()).build(),
                        HttpResponse.BodyHandlers.discarding());
                String allowed = answer.headers().firstValue("WebHook-Allowed-Origin").orElse("");
                ok = answer.statusCode() == 200 && (allowed.equalsIgnoreCase(ORIGIN) || allowed.equals("*"));
            }
        } catch (IOException e) {
            ok = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        if (!ok) {
            journal.outcome("EventValidationFailed");
            DevVault.LOG.log(System.Logger.Level.WARNING, "Dev vault: the event webhook " + where(to.endpoint())
                    + " did not pass Event Grid's validation handshake; the event is dropped (retried at the next)");
            return false;
        }
        validated = to;
        return true;
    }

    private static String validationResponse(String body) {
        try {
            JsonNode n = JSON.readTree(body);
            JsonNode v = n == null ? null : n.get("validationResponse");
            return v == null || !v.isTextual() ? null : v.asText();
        } catch (IOException e) {
            return null;
        }
    }

    private static HttpRequest.Builder request(Subscription to, String eventType, int deliveryCount) {
        HttpRequest.Builder b = HttpRequest.newBuilder(to.endpoint()).timeout(Duration.ofSeconds(10));
        if (eventType != null) {
            b.header("aeg-event-type", eventType);
            b.header("aeg-subscription-name", "KVCONFIG-DEV-VAULT");
            b.header("aeg-delivery-count", Integer.toString(deliveryCount));
            b.header("aeg-data-version", "1");
            b.header("aeg-metadata-version", "1");
        }
        to.headers().forEach(b::header);
        return b;
    }

    private void finish(Delivery d) {
        synchronized (deliveries) {
            deliveries.add(d);
            deliveries.notifyAll();
        }
    }

    /** scheme://host:port/path of the webhook: never its query, which may hold the shared secret. */
    static String where(URI u) {
        return u.getScheme() + "://" + u.getHost() + (u.getPort() < 0 ? "" : ":" + u.getPort())
                + (u.getRawPath() == null ? "" : u.getRawPath());
    }
}
