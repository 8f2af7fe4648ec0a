package io.kvconfig.service;

import io.kvconfig.service.api.AdminApi;
import io.kvconfig.service.api.Dtos;
import io.kvconfig.service.settings.KeyVaultErrors;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.refresh.StaleReference;
import io.kvconfig.service.firewall.FirewallService;
import io.smallrye.mutiny.Uni;

@RolesAllowed(AdminApi.ROLE)
@Path("/api/keyvault")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Key Vault")
@SecurityRequirement(name = AdminApi.SECURITY_SCHEME)
public class KeyVaultResource {

    @Inject
    KeyVault keyVault;

    @Inject
    FirewallService firewall;

    @GET
    @Path("/status")
    @Operation(summary = "Key Vault status", description = "Whether a vault is configured, whether it answers now "
            + "(a real call on every request, unlike the cached anonymous readiness check), the credential, the reason "
            + "of a failure, and each @kv: reference's status from startup (and since when and why its refreshes fail, when they "
            + "do: it keeps its last value). Never a value.")
    public Uni<Dtos.KeyVaultStatus> status() {
        // names are fine here (admin only); the open readiness check shows the stale count alone
        Map<String, StaleReference> stale = new HashMap<>();
        for (StaleReference s : keyVault.staleReferences()) {
            s.properties().forEach(p -> stale.put(p, s));
        }
        List<Dtos.ReferenceView> references = keyVault.references().stream()
                .map(r -> {
                    StaleReference s = stale.get(r.property());
                    return new Dtos.ReferenceView(r.property(), r.reference(), r.secretName(), r.vaultUrl(),
                            r.status().name(), r.detail(), s == null ? null : s.since().toString(),
                            s == null ? null : s.kind().name());
                })
                .toList();
        if (!keyVault.configured()) {
            return Uni.createFrom().item(new Dtos.KeyVaultStatus(false, null, false, KeyVault.NOT_CONFIGURED, null, references));
        }
        String url = keyVault.vaultUrl().orElse(null);
        String credential = keyVault.clients().credentialDescription();
        // the readiness check's probe (one authenticated request, 404 = reachable), uncached here: the admin asked now
        Uni<Void> probe = Uni.createFrom().completionStage(keyVault::probe);
        // a firewall refusal runs allowlisting once, then the probe once more (the timeout is per probe)
        return firewall.withAllowlisting(() -> probe)
                .map(answered -> new Dtos.KeyVaultStatus(true, url, true, null, credential, references))
                .onFailure().recoverWithItem(e -> new Dtos.KeyVaultStatus(true, url, false,
                        KeyVaultErrors.describe(e, credential).reason(), credential, references));
    }

    @POST
    @Path("/refresh")
    @Operation(summary = "Refresh the @kv: references now", description = "Re-reads every unpinned reference of the "
            + "running config in one batch (one Key Vault GET per distinct secret; pinned versions are never re-read) and "
            + "serves the new value of each secret whose version changed (ADMIN_SECRET included: the old token is refused "
            + "from then on). Answers the names of the changed properties and secrets, and of the references that could "
            + "not be re-read (they keep their last value). Never a value. Works whether or not "
            + "quarkus.kvconfig.refresh.period is set.")
    public Uni<Dtos.RefreshAnswer> refresh() {
        return Uni.createFrom().completionStage(keyVault::refresh)
                .map(r -> new Dtos.RefreshAnswer(r.changedProperties(), r.changedSecrets(),
                        r.failures().stream().map(f -> new Dtos.RefreshFailure(f.property(), f.secretName(), f.vaultUrl(),
                                f.kind().words())).toList(),
                        r.at().toString(), keyVault.refreshEnabled()));
    }
}
