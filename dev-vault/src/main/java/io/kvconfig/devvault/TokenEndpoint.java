package io.kvconfig.devvault;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Instant;
import java.util.Locale;
import java.util.concurrent.ThreadPoolExecutor;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * Plain-HTTP managed identity endpoint, both flavours the Azure SDK knows:
 * App Service ({@code GET /msi/token?api-version=2019-08-01&resource=...} with {@code X-IDENTITY-HEADER}) and
 * IMDS ({@code GET /metadata/identity/oauth2/token?api-version=2018-02-01&resource=...} with {@code Metadata: true};
 * the SDK calls it with a double slash, which is normalized).
 */
final class TokenEndpoint implements HttpHandler, AutoCloseable {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final HttpServer server;
    private final ThreadPoolExecutor pool = HttpsPort.pool("dev-vault-token", 8, new ThreadPoolExecutor.CallerRunsPolicy());
    private final String identityHeader;
    private final Tokens tokens;
    private final Journal journal;

    private TokenEndpoint(HttpServer server, String identityHeader, Tokens tokens, Journal journal) {
        this.server = server;
        this.identityHeader = identityHeader;
        this.tokens = tokens;
        this.journal = journal;
    }

    /** Binds address:port (0 = a free port) and serves until closed. */
    static TokenEndpoint start(InetAddress address, int port, String identityHeader, Tokens tokens, Journal journal)
            throws IOException {
        // The JDK server leaves Nagle's algorithm on: each small response then waits for the client's delayed ACK,
        // which turned a configured 20 ms latency into ~65 ms. Read once, when the server classes first load.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        HttpServer server = HttpServer.create(new InetSocketAddress(address, port), 64);
        TokenEndpoint endpoint = new TokenEndpoint(server, identityHeader, tokens, journal);
        server.createContext("/", endpoint);
        server.setExecutor(endpoint.pool);
        server.start();
        return endpoint;
    }

    int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        pool.shutdownNow();
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        Request r = new Request(new JdkExchange(exchange));
        r.journalWith(x -> journal.request(x.operation, x.method, x.path, x.status, false));
        r.operation = "TokenRejected";
        try {
            try {
                route(r);
            } catch (ServiceError e) {
                sendOAuthError(r, e.status, e.code, e.getMessage());
            }
        } catch (RuntimeException e) {
            DevVault.LOG.log(System.Logger.Level.WARNING, "Token endpoint failed: " + e.getClass().getName());
            exchange.close();
        } finally {
            r.journal();
        }
    }

    private void route(Request r) throws IOException {
        boolean appService = r.path.equalsIgnoreCase("/msi/token");
        boolean imds = r.path.equalsIgnoreCase("/metadata/identity/oauth2/token");
        if (!appService && !imds) {
            throw new ServiceError(404, "not_found", "Unknown path " + r.path
                    + ": use /msi/token (App Service) or /metadata/identity/oauth2/token (IMDS).");
        }
        if (!r.method.equals("GET")) {
            throw new ServiceError(405, "invalid_request", "Only GET is supported.");
        }
        if (imds && !"true".equalsIgnoreCase(r.header("Metadata"))) {
            throw new ServiceError(400, "invalid_request", "Required metadata header not specified");
        }
        if (appService) {
            String given = r.header("X-IDENTITY-HEADER");
            if (given == null || !java.security.MessageDigest.isEqual(given.getBytes(),
                    identityHeader.getBytes())) {
                throw new ServiceError(401, "unauthorized",
                        "The X-IDENTITY-HEADER header is missing or does not match IDENTITY_HEADER.");
            }
        }
        String apiVersion = r.param("api-version");
        if (apiVersion == null || apiVersion.isEmpty()) {
            throw new ServiceError(400, "invalid_request", "Required query parameter api-version is missing.");
        }
        String resource = r.param("resource");
        if (resource == null || resource.isBlank()) {
            throw new ServiceError(400, "invalid_request", "Required query parameter resource is missing.");
        }
        if (!resource.toLowerCase(Locale.ROOT).startsWith("https://") && !resource.startsWith("api://")) {
            throw new ServiceError(400, "invalid_resource", "The resource must be an https:// URI.");
        }
        Tokens.Issued t = tokens.issue(resource);
        ObjectNode body = JSON.objectNode();
        body.put("access_token", t.accessToken());
        if (imds) {
            long now = Instant.now().getEpochSecond();
            body.put("refresh_token", "");
            body.put("expires_in", Long.toString(t.expiresOn() - now));
            body.put("expires_on", Long.toString(t.expiresOn()));
            body.put("ext_expires_in", Long.toString(t.expiresOn() - now));
            body.put("not_before", Long.toString(t.notBefore()));
        } else {
            body.put("expires_on", Long.toString(t.expiresOn()));
        }
        body.put("resource", resource);
        body.put("token_type", "Bearer");
        body.put("client_id", tokens.clientId());
        r.operation = "Token";
        r.sendJson(200, body);
    }

    private void sendOAuthError(Request r, int status, String code, String message) throws IOException {
        ObjectNode body = JSON.objectNode();
        body.put("error", code);
        body.put("error_description", message);
        r.sendJson(status, body);
    }
}
