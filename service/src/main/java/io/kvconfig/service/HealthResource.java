package io.kvconfig.service;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kvconfig.service.api.Dtos;

/** Liveness for load balancers, open to anyone by design. The standard checks are under /q/health. */
@PermitAll
@Path("/health")
@Tag(name = "Health")
public class HealthResource {

    @ConfigProperty(name = "quarkus.application.version", defaultValue = "unknown")
    String version;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Service health (no auth)")
    public Dtos.Health health() {
        return new Dtos.Health("ok", version);
    }
}
