package io.kvconfig.service;

import java.util.List;

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

import io.kvconfig.runtime.metrics.KvConfigMetrics;
import io.kvconfig.service.api.AdminApi;
import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.api.Dtos;
import io.kvconfig.service.settings.KeyVaultErrors;
import io.kvconfig.service.settings.Plan.Item;
import io.kvconfig.service.settings.SaveResult;
import io.kvconfig.service.settings.SettingsService;
import io.smallrye.mutiny.Uni;

/**
 * The settings endpoints. The one place where a write_env outcome ({@link SaveResult}) becomes an HTTP status and a
 * JSON body; the flow itself is {@link SettingsService}'s.
 */
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
            + "atomically, and only if every Key Vault write succeeded. Takes effect at the next start (restartRequired), "
            + "or at once when quarkus.kvconfig.refresh.period is set and the PUT only set new versions of secrets the "
            + "running service already references: those are refreshed now (restartRequired false).")
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
        return settings.save(body).map(this::answer)
                .invoke(r -> KvConfigMetrics.settingsWrite(r.getStatus() < 300 ? "success" : r.getStatus() < 500 ? "rejected" : "failed"));
    }

    Response answer(SaveResult result) {
        String file = settings.envFile().getFileName().toString();
        if (result instanceof SaveResult.Saved saved) {
            List<Dtos.Change> changes = saved.items().stream().map(p -> switch (p.action()) {
                case REMOVE -> new Dtos.Change(p.key(), "removed", null);
                case KEYVAULT -> new Dtos.Change(p.key(), "keyvault", p.envValue());
                case REFERENCE -> new Dtos.Change(p.key(), "env", p.envValue());
                case PLAIN -> new Dtos.Change(p.key(), "env", null);
                case SECRET_AS_VALUE -> new Dtos.Change(p.key(), "env-plaintext", null);
            }).toList();
            return Response.ok(new Dtos.WriteResult("ok", !saved.appliedNow(), changes, saved.warnings())).build();
        }
        if (result instanceof SaveResult.TooLarge tooLarge) {
            return ApiError.of("too_large", "The body is larger than " + tooLarge.maxBytes() + " bytes; nothing was "
                    + "written.").toResponse(Response.Status.REQUEST_ENTITY_TOO_LARGE);
        }
        if (result instanceof SaveResult.Invalid invalid) {
            return new ApiError("invalid", "The request was rejected; nothing was written. Problems: "
                    + invalid.problems().size() + ".", invalid.problems()).toResponse(Response.Status.BAD_REQUEST);
        }
        if (result instanceof SaveResult.Conflict conflict) {
            String message = conflict.stored().isEmpty() ? "The request was rejected; nothing was written."
                    : "The request was rejected and " + file + " was not changed, but Key Vault already stored a new "
                            + "version for " + keys(conflict.stored()) + ".";
            return new ApiError("conflict", message, conflict.problems()).toResponse(Response.Status.CONFLICT);
        }
        if (result instanceof SaveResult.NewVaultIncomplete incomplete) {
            return new ApiError("conflict", "The new KEY_VAULT_URL does not have every secret that .env references from "
                    + "the default vault, so the next start would fail; nothing was written. Copy the secrets to the new "
                    + "vault first.", incomplete.missing()).toResponse(Response.Status.CONFLICT);
        }
        if (result instanceof SaveResult.NewVaultUnchecked unchecked) {
            return ApiError.json(status(unchecked.failure().kind() == KeyVaultErrors.Kind.UNAVAILABLE), ApiError.of(
                    "keyvault_error", "Could not check that the new KEY_VAULT_URL has the secrets " + unchecked.unknown()
                            + " that .env references: " + unchecked.failure().reason() + "; nothing was written."));
        }
        if (result instanceof SaveResult.KeyVaultFailed failed) {
            List<Dtos.StoredSecret> stored = failed.outcomes().stream().filter(o -> o.failure() == null)
                    .map(o -> new Dtos.StoredSecret(o.item().key(), o.item().secretName())).toList();
            List<Dtos.NotStoredSecret> notStored = failed.outcomes().stream().filter(o -> o.failure() != null)
                    .map(o -> new Dtos.NotStoredSecret(o.item().key(), o.item().secretName(), o.failure().reason())).toList();
            // one unavailable vault makes it worth trying again later
            boolean unavailable = failed.outcomes().stream()
                    .anyMatch(o -> o.failure() != null && o.failure().kind() == KeyVaultErrors.Kind.UNAVAILABLE);
            String message = "Key Vault did not store every secret, so " + file + " was not changed and nothing was "
                    + "written as plaintext." + (stored.isEmpty() ? ""
                            : " The secrets listed under 'stored' already have a new version in Key Vault; references "
                                    + "to their latest version will see it at the next start.")
                    + " Fix the cause and send the request again.";
            return ApiError.json(status(unavailable), new Dtos.KeyVaultWriteFailure("keyvault_error", message, stored,
                    notStored));
        }
        SaveResult.FileFailed failed = (SaveResult.FileFailed) result;
        String path = settings.envFile().toString();
        return switch (failed.stage()) {
            case READ -> ApiError.of("env_not_readable", path + " cannot be read: " + failed.reason()
                    + ". Nothing was written.").toResponse(Response.Status.INTERNAL_SERVER_ERROR);
            case PREFLIGHT -> ApiError.of("env_not_writable", path + " cannot be written: " + failed.reason()
                    + ". Nothing was written (no Key Vault write either). Fix the file's permissions or its "
                    + "directory and send the request again.").toResponse(Response.Status.INTERNAL_SERVER_ERROR);
            case WRITE -> ApiError.json(500, new Dtos.EnvWriteFailure("env_write_failed",
                    failed.stored().isEmpty() ? file + " could not be written: " + failed.reason() + ". Nothing was written."
                            : "Key Vault stored a new version of the secrets listed under 'stored', but " + file
                                    + " could not be written: " + failed.reason() + ". " + file + " was not changed; "
                                    + "references to the latest version of those secrets will see the new values at the "
                                    + "next start" + (keys(failed.stored()).contains(AdminSecret.KEY)
                                            ? " (ADMIN_SECRET's included: it is the admin token after the next start)" : "")
                                    + ". Fix the cause and send the request again.",
                    failed.reason(),
                    failed.stored().stream().map(p -> new Dtos.StoredSecret(p.key(), p.secretName())).toList()));
        };
    }

    /** A Key Vault failure: 503 when it is worth trying again later (KeyVaultErrors.Kind.UNAVAILABLE), else 502. */
    private static int status(boolean unavailable) {
        return unavailable ? 503 : 502;
    }

    private static List<String> keys(List<Item> items) {
        return items.stream().map(Item::key).toList();
    }
}
