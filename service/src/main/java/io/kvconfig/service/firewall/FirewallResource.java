package io.kvconfig.service.firewall;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.config.ConfigProvider;
import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.fasterxml.jackson.annotation.JsonInclude;

import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.service.api.AdminApi;
import io.kvconfig.service.api.ApiError;
import io.smallrye.mutiny.Uni;

/**
 * Vault firewall allowlisting over the admin API (admin role only, see {@code AdminTokenMechanism}).
 */
@RolesAllowed(AdminApi.ROLE)
@Path("/api/keyvault/firewall")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Key Vault")
@SecurityRequirement(name = AdminApi.SECURITY_SCHEME)
public class FirewallResource {

    /**
     * {@code GET /api/keyvault/firewall}. {@code when} is {@code startup} or {@code on-refusal}
     * ({@code quarkus.kvconfig.firewall.when}); {@code last} is null until a run happened in this process, and
     * {@code notRun} then says why (with {@code on-refusal}, no request was refused yet).
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record FirewallView(boolean enabled, String vault, String resourceGroup, String when, String schedule,
            String unavailable, String notRun, AllowlistResult last) {
    }

    /** {@code POST /api/keyvault/firewall/allowlist}: {@code status} is ok or error; the run's result either way. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RunView(String status, String message, AllowlistResult result) {
    }

    @Inject
    FirewallService firewall;

    @GET
    @Operation(summary = "Firewall allowlisting status", description = "Whether allowlisting is on, and the last "
            + "run in this process: detected public IP, whether a rule was added or already present, when, and the "
            + "error if any.")
    public FirewallView status() {
        FirewallSettings s = firewall.settings();
        String schedule = ConfigProvider.getConfig().getOptionalValue(FirewallService.SCHEDULE, String.class).orElse("off");
        boolean enabled = firewall.unavailableReason().isEmpty();
        AllowlistResult last = firewall.last().orElse(null);
        String notRun = !enabled || last != null ? null
                : s.notRunYetReason().orElse("not run: no allowlisting run in this process yet");
        return new FirewallView(enabled, s.effectiveVaultName().orElse(null), s.resourceGroup().orElse(null),
                s.enabled() ? s.when().configValue() : null, schedule, firewall.unavailableReason().orElse(null), notRun,
                last);
    }

    @POST
    @Path("/allowlist")
    @Operation(summary = "Allowlist this machine now", description = "Detects this machine's public IPv4 address "
            + "and makes sure the vault firewall allows it (adds an IP rule only if none covers it; never changes "
            + "public network access or the default action). 200 on success, 502 with the reason when it failed, "
            + "503 when allowlisting is not configured.")
    public Uni<Response> allowlist() {
        return firewall.runNow().map(result -> {
            if (result.isEmpty()) {
                return ApiError.of("unavailable", firewall.unavailableReason()
                        .orElse("Firewall allowlisting is not available.")).toResponse(Response.Status.SERVICE_UNAVAILABLE);
            }
            AllowlistResult r = result.get();
            return r.ok()
                    ? ApiError.json(200, new RunView("ok", r.message(), r))
                    : ApiError.json(502, new RunView("error", r.error(), r));
        });
    }
}
