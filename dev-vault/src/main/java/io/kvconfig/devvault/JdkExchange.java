package io.kvconfig.devvault;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

/** An {@link Exchange} over the JDK's HTTP server (the plain-HTTP token endpoint). */
final class JdkExchange implements Exchange {
    private static final long DISCARD_LIMIT = 64L * 1024 * 1024;
    private final HttpExchange exchange;

    JdkExchange(HttpExchange exchange) {
        this.exchange = exchange;
    }

    @Override
    public String method() {
        return exchange.getRequestMethod();
    }

    /** The path as sent: "//metadata/..." (the SDK's IMDS call) would otherwise parse as an authority. */
    @Override
    public String rawPath() {
        URI uri = exchange.getRequestURI();
        if (uri.getScheme() != null) {
            return uri.getRawPath();
        }
        String s = uri.toString();
        int q = s.indexOf('?');
        int f = s.indexOf('#');
        int end = q >= 0 ? q : (f >= 0 ? f : s.length());
        return s.substring(0, end);
    }

    @Override
    public String rawQuery() {
        return exchange.getRequestURI().getRawQuery();
    }

    @Override
    public String header(String name) {
        return exchange.getRequestHeaders().getFirst(name);
    }

    @Override
    public boolean http2() {
        return false;
    }

    @Override
    public byte[] body(int limit) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            return in.readNBytes(limit);
        }
    }

    @Override
    public void discardBody() {
        try (InputStream in = exchange.getRequestBody()) {
            byte[] buf = new byte[64 * 1024];
            long total = 0;
            int n;
            while (total < DISCARD_LIMIT && (n = in.read(buf)) > 0) {
                total += n;
            }
        } catch (IOException e) {
            // the answer goes out anyway
        }
    }

    @Override
    public void send(int status, Map<String, String> headers, byte[] body) throws IOException {
        headers.forEach(exchange.getResponseHeaders()::set);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
        exchange.close();
    }

    /** Closing an exchange before any response closes its connection. */
    @Override
    public void drop() {
        exchange.close();
    }
}
