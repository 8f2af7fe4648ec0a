package io.kvconfig.service.events;

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
 * Checks a presented event secret against {@link EventsSecret} (digest to digest, constant time) and grants the
 * {@value EventsApi#ROLE} role, which only the webhook accepts. One SHA-256: runs on the calling thread.
 */
@ApplicationScoped
public class EventsIdentityProvider implements IdentityProvider<EventsSecretRequest> {

    @Inject
    EventsSecret secret;

    @Override
    public Class<EventsSecretRequest> getRequestType() {
        return EventsSecretRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(EventsSecretRequest request, AuthenticationRequestContext context) {
        if (secret.state() != EventsSecret.State.SET || !secret.matches(request.secret())) {
            return Uni.createFrom().failure(new AuthenticationFailedException("Invalid event secret."));
        }
        return Uni.createFrom().item(QuarkusSecurityIdentity.builder()
                .setPrincipal(new QuarkusPrincipal(EventsApi.ROLE))
                .addRole(EventsApi.ROLE)
                .build());
    }
}
