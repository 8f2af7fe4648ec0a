package io.kvconfig.service;

import io.kvconfig.service.api.ApiError;

import io.kvconfig.service.api.AdminApi;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Content;
import org.eclipse.microprofile.openapi.annotations.media.ExampleObject;
import org.eclipse.microprofile.openapi.annotations.media.Schema;
import org.eclipse.microprofile.openapi.annotations.parameters.RequestBody;
import org.eclipse.microprofile.openapi.annotations.responses.APIResponse;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;

import io.smallrye.mutiny.Uni;

@RolesAllowed(AdminApi.ROLE)
@Path("/api/settings")
@Produces(MediaType.APPLICATION_JSON)
@Tag(name = "Settings")
@SecurityRequirement(name = AdminApi.SECURITY_SCHEME)
public class SettingsResource {

    @Inject
    SettingsService settings;

    @GET
    @Operation(summary = "List settings", description = "Every setting of .env, and every known setting (secret keys "
            + "and kvconfig.service.known-keys) present in any config source: .env, the environment, system properties "
            + "or application config. Each with the source its winning value comes from (env-file, environment, "
            + "system-property, application-config) and its @kv: reference as written. A setting is secret when it is "
            + "a secret key or any source holds a @kv: reference for it (whichever source wins: in the container the "
            + "resolved value is in the environment); a secret setting's value is never returned (null).")
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Dtos.Settings.class)))
    @APIResponse(responseCode = "401", description = "Missing or wrong bearer token")
    @APIResponse(responseCode = "503", description = "ADMIN_SECRET is not set")
    public Uni<Dtos.Settings> list() {
        return settings.list();
    }

    @PUT
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Save settings (write_env)", description = "A flat JSON object of KEY to value; null or \"\" "
            + "removes a key. Secret settings (secret keys, and keys that hold a @kv: reference) are stored in Key Vault "
            + "and .env gets KEY=@kv:<name>; plain settings are written to .env. Keys that control the service, the JVM, "
            + "the Azure credential or the bash entrypoint are refused (kvconfig.service.protected-keys); KEY_VAULT_URL "
            + "must be an Azure Key Vault URL holding every secret .env references; ADMIN_SECRET needs 16+ characters "
            + "without whitespace. Everything is checked first, then whether .env can be written; .env is written once, "
            + "atomically, and only if every Key Vault write succeeded. Takes effect at the next start.")
    @RequestBody(content = @Content(schema = @Schema(type = SchemaType.OBJECT, additionalProperties = String.class),
            examples = @ExampleObject(name = "example", value = "{\"GITHUB_TOKEN\": \"ghp_...\", \"LOG_LEVEL\": \"INFO\", \"OLD_KEY\": null}")))
    @APIResponse(responseCode = "200", content = @Content(schema = @Schema(implementation = Dtos.WriteResult.class)))
    @APIResponse(responseCode = "400", description = "Invalid body, a protected key, a bad KEY_VAULT_URL, ADMIN_SECRET or "
            + "vault host; every problem listed", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "409", description = "Refused by the current settings: a @kv: reference would be replaced "
            + "by plaintext, ADMIN_SECRET removed, two keys would share one secret, or the new KEY_VAULT_URL lacks a "
            + "referenced secret", content = @Content(schema = @Schema(implementation = ApiError.class)))
    @APIResponse(responseCode = "413", description = "Body too large")
    @APIResponse(responseCode = "500", description = ".env cannot be read or written: nothing written (checked before any "
            + "Key Vault write), or, if it fails after them, the keys Key Vault already stored and the reason",
            content = @Content(schema = @Schema(implementation = Dtos.EnvWriteFailure.class)))
    @APIResponse(responseCode = "502", description = "Key Vault refused a write; .env unchanged", content = @Content(schema = @Schema(implementation = Dtos.KeyVaultWriteFailure.class)))
    @APIResponse(responseCode = "503", description = "Key Vault unavailable; .env unchanged", content = @Content(schema = @Schema(implementation = Dtos.KeyVaultWriteFailure.class)))
    public Uni<Response> save(String body) {
        return settings.write(body);
    }
}
