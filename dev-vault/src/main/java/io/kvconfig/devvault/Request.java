package io.kvconfig.devvault;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** One HTTP exchange: parsed path and query, bounded body reading, and answer helpers. */
final class Request {
    static final int MAX_BODY_BYTES = 1024 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final java.util.regex.Pattern CLIENT_REQUEST_ID = java.util.regex.Pattern.compile(
            "[0-9A-Za-z._:-]{1,128}");

    /** Thrown to end the exchange without an answer (fault injection), see {@link Exchange#drop()}. */
    static final class DropConnection extends RuntimeException {
        DropConnection() {
            super("dropped", null, false, false);
        }
    }

    final Exchange exchange;
    final String method;
    final String path;
    final List<String> segments;
    final Map<String, String> query;
    final String requestId = UUID.randomUUID().toString();
    String operation = "Unknown";
    private boolean bodyRead;
    /** Headers added to every answer of this request (e.g. the data plane's x-ms-keyvault-* headers). */
    final Map<String, String> answerHeaders = new LinkedHashMap<>();
    private java.util.function.Consumer<Request> journal = r -> { };
    private boolean journaled;
    int status;

    Request(Exchange exchange) {
        this.exchange = exchange;
        this.method = exchange.method().toUpperCase(Locale.ROOT);
        String rawPath = exchange.rawPath();
        List<String> segs = new ArrayList<>();
        for (String s : (rawPath == null ? "" : rawPath).split("/")) {
            if (!s.isEmpty()) {
                segs.add(decode(s.replace("+", "%2B")));
            }
        }
        this.segments = Collections.unmodifiableList(segs);
        this.path = "/" + String.join("/", segs);
        this.query = parseQuery(exchange.rawQuery());
    }

    /** Records the request (once) just before its answer leaves, so a client never sees an answer not yet counted. */
    void journalWith(java.util.function.Consumer<Request> journal) {
        this.journal = journal;
    }

    void journal() {
        if (!journaled) {
            journaled = true;
            journal.accept(this);
        }
    }

    String header(String name) {
        return exchange.header(name);
    }

    String param(String name) {
        return query.get(name);
    }

    /** Reads the body, refusing more than 1 MB with 413 (checked on Content-Length first, then while reading). */
    byte[] body() throws IOException {
        bodyRead = true;
        String length = header("Content-Length");
        if (length != null) {
            long declared;
            try {
                declared = Long.parseLong(length.trim());
            } catch (NumberFormatException e) {
                throw ServiceError.badParameter("Invalid Content-Length header.");
            }
            if (declared > MAX_BODY_BYTES) {
                exchange.discardBody();
                throw tooLarge();
            }
        }
        byte[] data = exchange.body(MAX_BODY_BYTES + 1);
        if (data.length > MAX_BODY_BYTES) {
            exchange.discardBody();
            throw tooLarge();
        }
        return data;
    }

    /** A request answered before its body was read (auth, name, route errors): read the body first. */
    private void consumeUnreadBody() {
        if (!bodyRead) {
            bodyRead = true;
            exchange.discardBody();
        }
    }

    /** The body as a JSON object; 400 BadParameter if it is not one (without echoing the content). */
    ObjectNode jsonBody() throws IOException {
        byte[] body = body();
        JsonNode node;
        try {
            node = body.length == 0 ? null : MAPPER.readTree(body);
        } catch (IOException e) {
            // The parser's message can quote the body, i.e. a secret value: never pass it on
            throw ServiceError.badParameter("The request body is not valid JSON.");
        }
        if (node == null || !node.isObject()) {
            throw ServiceError.badParameter("The request body must be a JSON object.");
        }
        return (ObjectNode) node;
    }

    void sendJson(int status, JsonNode body) throws IOException {
        sendJson(status, body, Map.of());
    }

    void sendJson(int status, JsonNode body, Map<String, String> headers) throws IOException {
        send(status, MAPPER.writeValueAsBytes(body), "application/json; charset=utf-8", headers);
    }

    void sendText(int status, String text) throws IOException {
        send(status, text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", Map.of());
    }

    void sendEmpty(int status) throws IOException {
        consumeUnreadBody();
        this.status = status;
        journal();
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        standardHeaders(h);
        h.putAll(answerHeaders);
        exchange.send(status, h, new byte[0]);
    }

    void sendError(ServiceError e) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        ObjectNode error = root.putObject("error");
        error.put("code", e.code);
        error.put("message", e.getMessage());
        if (e.innerCode != null) {
            error.putObject("innererror").put("code", e.innerCode);
        }
        sendJson(e.status, root, e.headers);
    }

    private void send(int status, byte[] body, String contentType, Map<String, String> headers) throws IOException {
        consumeUnreadBody();
        this.status = status;
        journal();
        // case-insensitive, later ones win: as Headers.set did
        Map<String, String> h = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        standardHeaders(h);
        h.put("Content-Type", contentType);
        h.putAll(answerHeaders);
        h.putAll(headers);
        exchange.send(status, h, "HEAD".equals(method) ? new byte[0] : body);
    }

    /**
     * What every Key Vault and ARM answer carries: no caching, HSTS, nosniff, the date, a request id, and the client's
     * {@code x-ms-client-request-id} echoed (only a plain id: anything else is not repeated back).
     */
    private void standardHeaders(Map<String, String> h) {
        h.put("Date", DateTimeFormatter.RFC_1123_DATE_TIME.format(ZonedDateTime.now(ZoneOffset.UTC)));
        h.put("Cache-Control", "no-cache");
        h.put("Pragma", "no-cache");
        h.put("Expires", "-1");
        h.put("Strict-Transport-Security", "max-age=31536000;includeSubDomains");
        h.put("X-Content-Type-Options", "nosniff");
        h.put("x-ms-request-id", requestId);
        String clientRequestId = header("x-ms-client-request-id");
        if (clientRequestId != null && CLIENT_REQUEST_ID.matcher(clientRequestId).matches()) {
            h.put("x-ms-client-request-id", clientRequestId);
        }
    }

    private static ServiceError tooLarge() {
        return new ServiceError(413, "RequestBodyTooLarge",
                "The request body is too large. The maximum allowed size is " + MAX_BODY_BYTES + " bytes.", null,
                Map.of("Connection", "close"));
    }

    private static Map<String, String> parseQuery(String raw) {
        Map<String, String> q = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return q;
        }
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = decode(eq < 0 ? pair : pair.substring(0, eq));
            String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
            q.putIfAbsent(k, v);
        }
        return q;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }
}
