package io.kvconfig.devvault;

import java.io.IOException;
import java.util.List;
import java.util.Locale;


/**
 * The HTTPS port's routes: {@code /secrets} and {@code /deletedsecrets} to the {@link DataPlane},
 * {@code /subscriptions} to {@link Arm}, Entra ID's instance discovery, OpenID metadata and token paths to
 * {@link Entra}, {@code /ip} answered here. Turns a {@link ServiceError} into the service's
 * error answer, a {@link Request.DropConnection} into no answer, and journals every request once.
 */
final class Router {
    private static final System.Logger LOG = DevVault.LOG;

    private final DataPlane dataPlane;
    private final Arm arm;
    private final Entra entra;
    private final Journal journal;
    private final String publicIp;

    Router(DataPlane dataPlane, Arm arm, Entra entra, Journal journal, String publicIp) {
        this.dataPlane = dataPlane;
        this.arm = arm;
        this.entra = entra;
        this.journal = journal;
        this.publicIp = publicIp;
    }

    /** Runs on a worker thread, after the configured latency (see {@link HttpsPort}). */
    void handle(Exchange exchange) {
        Request r = new Request(exchange);
        if (r.header("Authorization") != null) {
            // whether a client sent a token at all (valid or not): proves a token was or was not handed over
            journal.outcome("AuthorizationHeader");
        }
        r.journalWith(x -> journal.request(x.operation, x.method, x.path, x.status, exchange.http2()));
        boolean dropped = false;
        try {
            List<String> s = r.segments;
            String root = s.isEmpty() ? "" : s.get(0).toLowerCase(Locale.ROOT);
            try {
                switch (root) {
                    case "secrets", "deletedsecrets" -> dataPlane.handle(r);
                    case "subscriptions" -> arm.handle(r);
                    case "ip" -> {
                        r.operation = "IpEcho";
                        if (s.size() != 1 || !(r.method.equals("GET") || r.method.equals("HEAD"))) {
                            throw new ServiceError(s.size() != 1 ? 404 : 405, s.size() != 1 ? "NotFound"
                                    : "MethodNotAllowed", "Use GET /ip.");
                        }
                        r.sendText(200, publicIp + "\n");
                    }
                    default -> {
                        if (Entra.handles(s)) {
                            entra.handle(r);
                            return;
                        }
                        r.operation = "NotFound";
                        throw new ServiceError(404, "NotFound", "The requested resource was not found.");
                    }
                }
            } catch (Entra.EntraError e) {
                e.send(r);
            } catch (ServiceError e) {
                if (e.status == 400 || e.status == 405 || e.status == 413) {
                    journal.outcome("BadRequest");
                }
                if (e.status == 409 && e.innerCode != null) {
                    // ObjectIsBeingDeleted, ObjectIsBeingRecovered, ObjectIsDeletedButRecoverable
                    journal.outcome(e.innerCode);
                }
                r.sendError(e);
            }
        } catch (Request.DropConnection e) {
            dropped = true;
            r.status = 0;
            r.journal();
            // No answer: HTTP/1.1 closes the connection, HTTP/2 resets the stream (the connection's others go on)
            exchange.drop();
        } catch (IOException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "Dev vault request " + r.method + " " + r.path + " failed: "
                    + e.getClass().getName());
            // the stack goes to the logger at DEBUG only (never to the console): request handling quotes no secret value
            LOG.log(System.Logger.Level.DEBUG, "Dev vault request failure", e);
            if (r.status == 0) {
                try {
                    r.sendError(new ServiceError(500, "InternalServerError", "The dev vault failed to handle the request."));
                } catch (IOException | RuntimeException ignored) {
                    exchange.drop();
                }
            } else {
                // the answer could not be completed: drop it so the client does not wait for it
                exchange.drop();
            }
        } finally {
            r.journal();
            if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
                LOG.log(System.Logger.Level.DEBUG, r.method + " " + r.path + " -> " + r.status + " (" + r.operation
                        + ")" + (dropped ? " dropped" : ""));
            }
        }
    }
}
