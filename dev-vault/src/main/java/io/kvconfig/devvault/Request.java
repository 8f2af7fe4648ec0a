package io.kvconfig.devvault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;

/** One HTTP exchange: parsed path and query, bounded body reading, and answer helpers. */
final class Request {
    static final int MAX_BODY_BYTES = 1024 * 1024;

    /** Thrown to close the connection without an answer (fault injection). */
    static final class DropConnection extends RuntimeException {
        DropConnection() {
            super("dropped", null, false, false);
        }
    }

    final HttpExchange exchange;
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
    private final ObjectMapper mapper;

    Request(HttpExchange exchange, ObjectMapper mapper) {
        this.exchange = exchange;
        this.mapper = mapper;
        this.method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
        String rawPath = rawPath(exchange.getRequestURI());
        List<String> segs = new ArrayList<>();
        for (String s : (rawPath == null ? "" : rawPath).split("/")) {
            if (!s.isEmpty()) {
                segs.add(decode(s.replace("+", "%2B")));
            }
        }
        this.segments = Collections.unmodifiableList(segs);
        this.path = "/" + String.join("/", segs);
        this.query = parseQuery(exchange.getRequestURI().getRawQuery());
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
        return exchange.getRequestHeaders().getFirst(name);
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
                drain();
                throw tooLarge();
            }
        }
        try (InputStream in = exchange.getRequestBody()) {
            byte[] data = in.readNBytes(MAX_BODY_BYTES + 1);
            if (data.length > MAX_BODY_BYTES) {
                drain();
                throw tooLarge();
            }
            return data;
        }
    }

    /**
     * Reads and discards the rest of an oversized body (up to 64 MB) before answering: closing a connection with
     * unread input makes TCP reset it, and the client would lose the 413 answer.
     */
    /** A request answered before its body was read (auth, name, route errors): read the body first. */
    private void consumeUnreadBody() {
        if (!bodyRead) {
            bodyRead = true;
            drain();
        }
    }

    private void drain() {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while (total < 64L * 1024 * 1024 && (n = in.read(buf)) > 0) {
                total += n;
            }
        } catch (IOException e) {
            // the answer goes out anyway
        }
    }

    /** The body as a JSON object; 400 BadParameter if it is not one (without echoing the content). */
    ObjectNode jsonBody() throws IOException {
        byte[] body = body();
        JsonNode node;
        try {
            node = body.length == 0 ? null : mapper.readTree(body);
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
        send(status, mapper.writeValueAsBytes(body), "application/json; charset=utf-8", headers);
    }

    void sendText(int status, String text) throws IOException {
        send(status, text.getBytes(StandardCharsets.UTF_8), "text/plain; charset=utf-8", Map.of());
    }

    void sendEmpty(int status) throws IOException {
        consumeUnreadBody();
        this.status = status;
        journal();
        answerHeaders.forEach(exchange.getResponseHeaders()::set);
        exchange.getResponseHeaders().set("x-ms-request-id", requestId);
        exchange.sendResponseHeaders(status, -1);
        exchange.close();
    }

    void sendError(ServiceError e) throws IOException {
        ObjectNode root = mapper.createObjectNode();
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
        var h = exchange.getResponseHeaders();
        h.set("Content-Type", contentType);
        h.set("Cache-Control", "no-cache");
        h.set("x-ms-request-id", requestId);
        answerHeaders.forEach(h::set);
        headers.forEach(h::set);
        boolean head = "HEAD".equals(method);
        exchange.sendResponseHeaders(status, head || body.length == 0 ? -1 : body.length);
        if (!head && body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    private static ServiceError tooLarge() {
        return new ServiceError(413, "RequestBodyTooLarge",
                "The request body is too large. The maximum allowed size is " + MAX_BODY_BYTES + " bytes.", null,
                Map.of("Connection", "close"));
    }

    /** The path as sent: "//metadata/..." (the SDK's IMDS call) would otherwise parse as an authority. */
    private static String rawPath(java.net.URI uri) {
        if (uri.getScheme() != null) {
            return uri.getRawPath();
        }
        String s = uri.toString();
        int q = s.indexOf('?');
        int f = s.indexOf('#');
        int end = q >= 0 ? q : (f >= 0 ? f : s.length());
        return s.substring(0, end);
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
