package io.kvconfig.service.api;

import jakarta.ws.rs.core.Application;

import org.eclipse.microprofile.openapi.annotations.OpenAPIDefinition;
import org.eclipse.microprofile.openapi.annotations.enums.SecuritySchemeType;
import org.eclipse.microprofile.openapi.annotations.info.Info;
import org.eclipse.microprofile.openapi.annotations.security.SecurityScheme;

@OpenAPIDefinition(info = @Info(title = "kvconfig admin API", version = "1.0", description = "Read and save the "
        + "service's settings without putting a secret on disk: secret settings go to Azure Key Vault, .env keeps "
        + "@kv: references. Every /api endpoint needs Authorization: Bearer <ADMIN_SECRET>."))
@SecurityScheme(securitySchemeName = AdminApi.SECURITY_SCHEME, type = SecuritySchemeType.HTTP, scheme = "bearer",
        description = "The ADMIN_SECRET setting")
public class AdminApi extends Application {
    public static final String SECURITY_SCHEME = "admin";
    /** The role a valid admin token grants ({@link AdminIdentityProvider}); every admin resource requires it. */
    public static final String ROLE = "admin";
}
