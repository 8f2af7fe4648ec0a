package io.kvconfig.service;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.vertx.core.http.HttpServerRequest;

/**
 * Guards every {@code /api/*} endpoint: {@code Authorization: Bearer <ADMIN_SECRET>}. Pure CPU work (one hash), so
 * it runs on the event loop. 503 when no admin secret is set (the service never invents one), 401 otherwise.
 */
public class AdminAuthFilter {

    static final String BEARER = "bearer ";

    @Inject
    AdminSecret adminSecret;

    @ServerRequestFilter(preMatching = true)
    public Response filter(HttpServerRequest request) {
        String path = request.path();
        if (path == null || !(path.equals("/api") || path.startsWith("/api/"))) {
            return null;
        }
        if (adminSecret.state() != AdminSecret.State.SET) {
            return ApiError.of("unavailable", adminSecret.unavailableMessage())
                    .toResponse(Response.Status.SERVICE_UNAVAILABLE);
        }
        var headers = request.headers().getAll(HttpHeaders.AUTHORIZATION);
        if (headers.isEmpty()) {
            return unauthorized("Missing Authorization header: send 'Authorization: Bearer <ADMIN_SECRET>'.");
        }
        if (headers.size() > 1) {
            return unauthorized("More than one Authorization header.");
        }
        String header = headers.get(0).strip();
        if (header.equalsIgnoreCase(BEARER.strip())) {
            return unauthorized("Empty bearer token.");
        }
        if (header.length() < BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            return unauthorized("Unsupported Authorization scheme: use 'Bearer <ADMIN_SECRET>'.");
        }
        String token = header.substring(BEARER.length()).trim();
        if (token.isEmpty()) {
            return unauthorized("Empty bearer token.");
        }
        if (!adminSecret.matches(token)) {
            return unauthorized("Invalid admin token.");
        }
        return null;
    }

    private static Response unauthorized(String message) {
        return Response.status(Response.Status.UNAUTHORIZED)
                .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer realm=\"kvconfig-admin\"")
                .type(MediaType.APPLICATION_JSON_TYPE)
                .entity(ApiError.of("unauthorized", message))
                .build();
    }
}
