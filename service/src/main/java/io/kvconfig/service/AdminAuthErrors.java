package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.events.EventsSecret;
import io.kvconfig.service.events.KeyVaultEventsResource;

import jakarta.inject.Inject;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/**
 * JSON answers for Quarkus Security's refusals (authentication is lazy, so they arrive here as exceptions). Only
 * endpoints that need a role raise them: an open endpoint never answers 401 or 503. Messages are fixed sentences,
 * never what was sent.
 */
public class AdminAuthErrors {

    static final String EVENTS_REFUSED = "Missing or invalid event secret: the Event Grid subscription sends it as "
            + "?code=<secret> in the webhook URL or in the X-Kvconfig-Events-Secret header.";

    @Inject
    AdminSecret adminSecret;

    @Inject
    EventsSecret eventsSecret;

    /** A token was presented and refused (wrong token, another scheme, several headers). */
    @ServerExceptionMapper
    public Response authenticationFailed(AuthenticationFailedException e, SimpleResourceInfo resource) {
        if (events(resource)) {
            return eventsRefused();
        }
        // the mechanism's own sentences are shown; anything else raised on the way gets the generic one
        return refused(AdminTokenMechanism.REFUSALS.contains(e.getMessage()) ? e.getMessage() : AdminTokenMechanism.INVALID);
    }

    /** No token, on an endpoint that needs one. */
    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, SimpleResourceInfo resource) {
        if (events(resource)) {
            return eventsRefused();
        }
        return refused(AdminTokenMechanism.MISSING);
    }

    /** The Key Vault events webhook has its own secret: its refusals never speak of the admin token. */
    private static boolean events(SimpleResourceInfo resource) {
        return resource != null && resource.getResourceClass() == KeyVaultEventsResource.class;
    }

    /** 503 while no event secret is configured (deny by default), else 401; the same 401 for missing and wrong. */
    private Response eventsRefused() {
        return eventsSecret.unavailable()
                .map(why -> ApiError.of("unavailable", why).toResponse(Response.Status.SERVICE_UNAVAILABLE))
                .orElseGet(() -> ApiError.of("unauthorized", EVENTS_REFUSED).toResponse(Response.Status.UNAUTHORIZED));
    }

    /** Authenticated, but the endpoint is not open to the admin role (deny-unannotated-endpoints). */
    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return ApiError.of("forbidden", "This endpoint is not open to any caller.").toResponse(Response.Status.FORBIDDEN);
    }

    private Response refused(String message) {
        if (adminSecret.state() != AdminSecret.State.SET) {
            return ApiError.of("unavailable", adminSecret.unavailableMessage()).toResponse(Response.Status.SERVICE_UNAVAILABLE);
        }
        return Response.fromResponse(ApiError.of("unauthorized", message).toResponse(Response.Status.UNAUTHORIZED))
                .header(HttpHeaders.WWW_AUTHENTICATE, AdminTokenMechanism.CHALLENGE).build();
    }
}
