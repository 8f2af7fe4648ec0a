package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * OPTIONS is not a method of this API. Left alone, RESTEasy answers it itself (200 and an {@code Allow} list) for
 * every resource, admin ones included, without running any resource method or security check. Keyed on the method
 * only, never on the path. (CORS, if ever enabled, answers preflights before this runs.)
 */
public class NoOptionsFilter {

    @ServerRequestFilter(preMatching = true)
    public Response refuseOptions(ContainerRequestContext request) {
        if (HttpMethod.OPTIONS.equals(request.getMethod())) {
            return ApiError.of("error", "Method not allowed here.").toResponse(Response.Status.METHOD_NOT_ALLOWED);
        }
        return null;
    }
}
