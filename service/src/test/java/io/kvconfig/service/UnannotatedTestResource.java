package io.kvconfig.service;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Test-only: an endpoint someone forgot to annotate. With {@code quarkus.security.jaxrs.deny-unannotated-endpoints}
 * nobody reaches it, admin included; {@link EndpointSecurityTest} also flags it statically.
 */
@Path("/test-only/unannotated")
public class UnannotatedTestResource {

    static final String REACHED = "reached-the-unannotated-endpoint";

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    @Operation(hidden = true)
    public String get() {
        return REACHED;
    }
}
