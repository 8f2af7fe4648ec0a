package io.kvconfig.service;

import io.kvconfig.service.api.AdminApi;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;

/**
 * Checks a presented admin token against {@link AdminSecret} (digest to digest, constant time) and grants the
 * {@value AdminApi#ROLE} role. Pure CPU work (one SHA-256), so it runs on the calling thread, event loop included.
 */
@ApplicationScoped
public class AdminIdentityProvider implements IdentityProvider<AdminTokenRequest> {

    @Inject
    AdminSecret adminSecret;

    @Override
    public Class<AdminTokenRequest> getRequestType() {
        return AdminTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(AdminTokenRequest request, AuthenticationRequestContext context) {
        if (adminSecret.state() != AdminSecret.State.SET) {
            // AdminAuthErrors answers 503 with the reason
            return Uni.createFrom().failure(new AuthenticationFailedException("The admin API is disabled."));
        }
        if (request.token().isEmpty() || !adminSecret.matches(request.token())) {
            return Uni.createFrom().failure(new AuthenticationFailedException(AdminTokenMechanism.INVALID));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(AdminApi.ROLE))
                .addRole(AdminApi.ROLE)
                .build());
    }
}
