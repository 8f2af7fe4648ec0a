package io.kvconfig.service.api;

import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeIn;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;
import org.eclipse.microprofile.openapi.annotations.security.SecuritySchemes;

import io.kvconfig.service.events.EventsApi;

@OpenAPIDefinition(info = @Info(title = "kvconfig admin API", version = "1.0", description = "Read and save the "
        + "service's settings without putting a secret on disk: secret settings go to Azure Key Vault, .env keeps "
        + "@kv: references. Every /api endpoint needs Authorization: Bearer <ADMIN_SECRET>, except the Key Vault events webhook "
        + "(/api/events/keyvault), which takes its own shared secret."))
@SecuritySchemes({
        @SecurityScheme(securitySchemeName = AdminApi.SECURITY_SCHEME, type = SecuritySchemeType.HTTP, scheme = "bearer",
                description = "The ADMIN_SECRET setting"),
        @SecurityScheme(securitySchemeName = EventsApi.SECURITY_SCHEME, type = SecuritySchemeType.APIKEY,
                in = SecuritySchemeIn.QUERY, apiKeyName = EventsApi.CODE_PARAMETER, description = "The Key Vault "
                        + "events webhook's shared secret (kvconfig.service.events.secret), as ?code= (or the "
                        + "X-Kvconfig-Events-Secret header)") })
public class AdminApi extends Application {
    public static final String SECURITY_SCHEME = "admin";
    /** The role a valid admin token grants ({@link AdminIdentityProvider}); every admin resource requires it. */
    public static final String ROLE = "admin";
}
