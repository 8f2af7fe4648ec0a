package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/**
 * OPTIONS is not a method of this API. Left alone, RESTEasy answers it itself (200 and an {@code Allow} list) for
 * every resource, admin ones included, without running any resource method or security check. Keyed on the method
 * only, never on the path. (CORS, if ever enabled, answers preflights before this runs.)
 * <p>
 * One exception, also keyed on the request and not the path: the CloudEvents webhook validation, an OPTIONS with
 * {@code WebHook-Request-Origin}, goes on to routing, where only a resource method declared {@code @OPTIONS} (the
 * Key Vault events webhook, behind its own role) may answer it; RESTEasy's own OPTIONS answer for any other resource is
 * turned into the same 405 on the way out.
 */
public class NoOptionsFilter {

    static final String WEBHOOK_ORIGIN = "WebHook-Request-Origin";

    @ServerRequestFilter(preMatching = true)
    public Response refuseOptions(ContainerRequestContext request) {
        if (HttpMethod.OPTIONS.equals(request.getMethod()) && request.getHeaderString(WEBHOOK_ORIGIN) == null) {
            return refused();
        }
        return null;
    }

    @ServerResponseFilter
    public void refuseImplicitOptions(ContainerRequestContext request, ContainerResponseContext response,
            SimpleResourceInfo resource) {
        if (!HttpMethod.OPTIONS.equals(request.getMethod()) || response.getStatus() == 405) {
            return;
        }
        boolean declared = false;
        if (resource != null && resource.getResourceClass() != null && resource.getMethodName() != null) {
            for (var m : resource.getResourceClass().getMethods()) {
                if (m.getName().equals(resource.getMethodName()) && m.isAnnotationPresent(OPTIONS.class)) {
                    declared = true;
                }
            }
        }
        if (!declared) {
            Response r = refused();
            response.setStatus(r.getStatus());
            response.getHeaders().remove("Allow");
            response.setEntity(r.getEntity(), null, r.getMediaType());
        }
    }

    private static Response refused() {
        return ApiError.of("error", "Method not allowed here.").toResponse(Response.Status.METHOD_NOT_ALLOWED);
    }
}
