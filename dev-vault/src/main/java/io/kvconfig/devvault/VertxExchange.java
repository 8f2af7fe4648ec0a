package io.kvconfig.devvault;

import java.util.Map;
import java.util.Set;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.HostAndPort;

/**
 * An {@link Exchange} over a Vert.x request on the HTTPS port. The body is collected on the event loop before the
 * handler runs (see {@link #collectBody}), so {@link #body} never blocks; answering from a worker thread is allowed.
 */
final class VertxExchange implements Exchange {
    /** An oversized body is read and discarded up to this much, as the JDK server's drain did; then it is answered. */
    private static final long DISCARD_LIMIT = 64L * 1024 * 1024;
    /** Connection-specific headers are forbidden in HTTP/2 (RFC 9113 8.2.2). */
    private static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "transfer-encoding", "upgrade");

    private final HttpServerRequest request;
    private final boolean http2;
    private final Buffer body = Buffer.buffer();
    private long received;
    private boolean complete;

    private final Runnable answered;

    /** answered: run when the answer (or the drop) is handed to Vert.x. */
    VertxExchange(HttpServerRequest request, Runnable answered) {
        this.request = request;
        this.answered = answered;
        this.http2 = request.version() == HttpVersion.HTTP_2;
    }

    /**
     * Keeps the first {@code limit} bytes of the body and discards the rest, then runs {@code ready} once: at the
     * body's end, or when more than 64 MB were discarded. Must be called on the event loop, in the request handler.
     */
    void collectBody(int limit, Runnable ready) {
        request.handler(chunk -> {
            received += chunk.length();
            int room = limit - body.length();
            if (room > 0) {
                body.appendBuffer(chunk, 0, Math.min(room, chunk.length()));
            }
            if (received - limit > DISCARD_LIMIT) {
                complete(ready);
            }
        });
        request.endHandler(v -> complete(ready));
        // the client went away (reset stream, closed connection): nothing to answer
        request.exceptionHandler(e -> complete = true);
    }

    private void complete(Runnable ready) {
        if (!complete) {
            complete = true;
            ready.run();
        }
    }

    @Override
    public String method() {
        return request.method().name();
    }

    @Override
    public String rawPath() {
        return request.path();
    }

    @Override
    public String rawQuery() {
        return request.query();
    }

    @Override
    public String header(String name) {
        String value = request.getHeader(name);
        if (value == null && "host".equalsIgnoreCase(name)) {
            // HTTP/2 carries the host in the :authority pseudo-header
            HostAndPort a = request.authority();
            if (a != null) {
                String host = a.host().indexOf(':') >= 0 && !a.host().startsWith("[") ? "[" + a.host() + "]" : a.host();
                value = a.port() >= 0 ? host + ":" + a.port() : host;
            }
        }
        return value;
    }

    @Override
    public boolean http2() {
        return http2;
    }

    @Override
    public byte[] body(int limit) {
        return body.length() <= limit ? body.getBytes() : body.getBytes(0, limit);
    }

    /** Already done on the event loop. */
    @Override
    public void discardBody() {
    }

    @Override
    public void send(int status, Map<String, String> headers, byte[] content) {
        HttpServerResponse response = request.response();
        answered.run();
        if (response.closed()) {
            return;
        }
        response.setStatusCode(status);
        boolean close = false;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey().equalsIgnoreCase("connection")) {
                close = h.getValue().equalsIgnoreCase("close");
            }
            if (!http2 || !HOP_BY_HOP.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                response.putHeader(h.getKey(), h.getValue());
            }
        }
        Future<Void> sent = content.length == 0 ? response.end() : response.end(Buffer.buffer(content));
        if (close && !http2) {
            sent.onComplete(x -> request.connection().close());
        }
    }

    @Override
    public void drop() {
        answered.run();
        if (http2) {
            request.response().reset();
        } else {
            request.connection().close();
        }
    }
}
