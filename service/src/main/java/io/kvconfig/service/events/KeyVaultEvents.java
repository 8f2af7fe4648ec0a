package io.kvconfig.service.events;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;

/**
 * Reads an Event Grid delivery (pure: no I/O): the Event Grid schema (a JSON array of events with {@code eventType})
 * or CloudEvents 1.0 structured JSON (one event, {@code application/cloudevents+json}, or a batch,
 * {@code application/cloudevents-batch+json}; an event with {@code specversion} is read as a CloudEvent in any of
 * them). Returns the subscription validation code, if the delivery is Event Grid's handshake, and the secrets of its
 * {@code Microsoft.KeyVault.SecretNewVersionCreated} events (vault and name from {@code data.Id}); every other event
 * is counted as ignored and named (its type, or why) for a DEBUG line. Errors never quote the body.
 */
public final class KeyVaultEvents {

    public static final String SECRET_NEW_VERSION_CREATED = "Microsoft.KeyVault.SecretNewVersionCreated";
    public static final String SUBSCRIPTION_VALIDATION = "Microsoft.EventGrid.SubscriptionValidationEvent";
    static final List<String> MEDIA_TYPES = List.of("application/json", "application/cloudevents+json",
            "application/cloudevents-batch+json");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** An event type worth naming in a log line; anything else is "(not an event type)". */
    private static final Pattern TYPE_NAME = Pattern.compile("[A-Za-z0-9.]{1,120}");

    /** A secret whose new version an event announced: its vault ({@code https://host[:port]}) and name. */
    public record SecretEvent(String vaultUrl, String secretName) {
    }

    /** What a delivery holds: the handshake's code, the secret events, and what was ignored (names/reasons only). */
    public record Delivery(Optional<String> validationCode, List<SecretEvent> secretEvents, List<String> ignored,
            int events) {
    }

    /** A body this endpoint cannot read; {@code status} is 400 or 415. The message never quotes the body. */
    public static final class BadDelivery extends Exception {
        private final int status;

        BadDelivery(int status, String message) {
            super(message, null, false, false);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    private KeyVaultEvents() {
    }

    public static Delivery read(String contentType, byte[] body) throws BadDelivery {
        String media = contentType == null ? "" : contentType.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        if (!MEDIA_TYPES.contains(media)) {
            throw new BadDelivery(415, "Send Event Grid events as application/json, or CloudEvents as "
                    + "application/cloudevents+json or application/cloudevents-batch+json.");
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadDelivery(400, "The body is not JSON.");
        }
        if (root == null || !(root.isArray() || root.isObject())) {
            throw new BadDelivery(400, "The body must be an event (a JSON object) or an array of events.");
        }
        if (media.equals("application/cloudevents+json") && !root.isObject()) {
            throw new BadDelivery(400, "application/cloudevents+json carries one event (a JSON object); send a batch as "
                    + "application/cloudevents-batch+json.");
        }
        if (media.equals("application/cloudevents-batch+json") && !root.isArray()) {
            throw new BadDelivery(400, "application/cloudevents-batch+json carries a JSON array of events.");
        }
        List<JsonNode> events = new ArrayList<>();
        if (root.isArray()) {
            root.forEach(events::add);
        } else {
            events.add(root);
        }
        Optional<String> code = Optional.empty();
        List<SecretEvent> secrets = new ArrayList<>();
        List<String> ignored = new ArrayList<>();
        for (JsonNode event : events) {
            if (!event.isObject()) {
                throw new BadDelivery(400, "Each event must be a JSON object.");
            }
            boolean cloudEvent = event.has("specversion");
            String type = text(event, cloudEvent ? "type" : "eventType");
            JsonNode data = event.path("data");
            if (!cloudEvent && SUBSCRIPTION_VALIDATION.equals(type)) {
                String c = text(data, "validationCode");
                if (c == null || c.isEmpty()) {
                    throw new BadDelivery(400, "The SubscriptionValidationEvent has no data.validationCode.");
                }
                code = Optional.of(c);
            } else if (SECRET_NEW_VERSION_CREATED.equals(type)) {
                Optional<SecretEvent> secret = secretOf(data);
                if (secret.isPresent()) {
                    secrets.add(secret.get());
                } else {
                    ignored.add(SECRET_NEW_VERSION_CREATED + " without a Key Vault secret id in data.Id");
                }
            } else {
                ignored.add(type == null ? "(no event type)" : TYPE_NAME.matcher(type).matches() ? type
                        : "(not an event type)");
            }
        }
        return new Delivery(code, List.copyOf(secrets), List.copyOf(ignored), events.size());
    }

    /** The secret of {@code data.Id} (any case of {@code Id}): {@code https://<vault>/secrets/<name>/<version>}. */
    private static Optional<SecretEvent> secretOf(JsonNode data) {
        String id = null;
        for (Iterator<Map.Entry<String, JsonNode>> it = data.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (f.getKey().equalsIgnoreCase("id") && f.getValue().isTextual()) {
                id = f.getValue().asText();
            }
        }
        if (id == null || !id.regionMatches(true, 0, "https://", 0, 8)) {
            return Optional.empty();
        }
        try {
            SecretReference r = SecretReferenceParser.parse(SecretReferenceParser.PREFIX + id);
            return r.vaultUrl() == null ? Optional.empty() : Optional.of(new SecretEvent(r.vaultUrl(), r.name()));
        } catch (InvalidReferenceException e) {
            return Optional.empty();
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v != null && v.isTextual() ? v.asText() : null;
    }
}
