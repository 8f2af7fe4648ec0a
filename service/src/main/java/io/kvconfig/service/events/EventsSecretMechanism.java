package io.kvconfig.service.events;

import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.quarkus.vertx.http.runtime.security.HttpCredentialTransport;
import io.quarkus.vertx.http.runtime.security.HttpSecurityUtils;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;

/**
 * The shared secret of an Event Grid webhook subscription: the {@code code} query parameter of the webhook URL, or the
 * {@value EventsApi#SECRET_HEADER} header. Which endpoint accepts it is decided by the resource
 * ({@code @RolesAllowed(EventsApi.ROLE)}), never by the path. It runs before {@code AdminTokenMechanism} (higher
 * priority) so that a valid event secret is not judged by the admin mechanism; a missing or wrong one is simply no
 * identity here (the caller stays anonymous and the webhook answers 401 without saying which it was), so a stray
 * {@code ?code=} never changes how an admin endpoint treats its bearer token.
 */
@ApplicationScoped
public class EventsSecretMechanism implements HttpAuthenticationMechanism {

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        List<String> codes = context.queryParam(EventsApi.CODE_PARAMETER);
        List<String> headers = context.request().headers().getAll(EventsApi.SECRET_HEADER);
        if (codes.size() + headers.size() != 1) {
            // none, or several (ambiguous): no identity from this mechanism
            return Uni.createFrom().nullItem();
        }
        String presented = codes.isEmpty() ? headers.get(0) : codes.get(0);
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(new EventsSecretRequest(presented),
                context)).onFailure().recoverWithNull();
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        // refusals are answered by AdminAuthErrors (lazy authentication); no challenge scheme for a shared secret
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(EventsSecretRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.OTHER_HEADER,
                EventsApi.SECRET_HEADER.toLowerCase()));
    }

    @Override
    public int getPriority() {
        return DEFAULT_PRIORITY + 100;
    }
}
