package io.kvconfig.service;

import java.time.Duration;
import java.util.List;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import com.azure.core.exception.ResourceNotFoundException;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.service.firewall.FirewallService;
import io.smallrye.mutiny.Uni;

@RolesAllowed(AdminApi.ROLE)
@Path("/api/keyvault")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Key Vault")
@SecurityRequirement(name = AdminApi.SECURITY_SCHEME)
public class KeyVaultResource {

    /** A name that should not exist: a 404 for it proves the vault answers and accepts our token. */
    static final String PROBE_SECRET = "kvconfig-reachability-probe";

    @Inject
    KeyVault keyVault;

    @Inject
    FirewallService firewall;

    @GET
    @Path("/status")
    @Operation(summary = "Key Vault status", description = "Whether a vault is configured, whether it answers now "
            + "(a real call), and each @kv: reference's status from startup. Never a value.")
    public Uni<Dtos.KeyVaultStatus> status() {
        List<Dtos.ReferenceView> references = keyVault.references().stream()
                .map(r -> new Dtos.ReferenceView(r.property(), r.reference(), r.secretName(), r.vaultUrl(),
                        r.status().name(), r.detail()))
                .toList();
        if (!keyVault.configured()) {
            return Uni.createFrom().item(new Dtos.KeyVaultStatus(false, null, false, KeyVault.NOT_CONFIGURED, null, references));
        }
        String url = keyVault.vaultUrl().orElse(null);
        String credential = keyVault.clients().credentialDescription();
        Uni<KeyVaultSecret> probe = Uni.createFrom().completionStage(() -> keyVault.secrets().getSecret(PROBE_SECRET).toFuture())
                .ifNoItem().after(Duration.ofSeconds(15)).fail();
        // a firewall refusal runs allowlisting once, then the probe once more (the timeout is per probe)
        return firewall.withAllowlisting(() -> probe)
                .map(found -> new Dtos.KeyVaultStatus(true, url, true, null, credential, references))
                .onFailure().recoverWithItem(e -> {
                    if (e instanceof ResourceNotFoundException || Integer.valueOf(404).equals(KeyVaultErrors.status(e))) {
                        return new Dtos.KeyVaultStatus(true, url, true, null, credential, references);
                    }
                    return new Dtos.KeyVaultStatus(true, url, false, KeyVaultErrors.describe(e, credential).reason(),
                            credential, references);
                });
    }
}
