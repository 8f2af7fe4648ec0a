package io.kvconfig.service;

import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import io.quarkus.security.AuthenticationFailedException;
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
 * {@code Authorization: Bearer <ADMIN_SECRET>} for the admin API. Which endpoint needs it is decided by the resource
 * ({@code @RolesAllowed("admin")}), never by the request path. Authentication is lazy
 * ({@code quarkus.http.auth.proactive=false}): this runs only for an endpoint that needs a role, and its refusals
 * reach {@link AdminAuthErrors} as exceptions.
 * <p>
 * The token is everything after the single space that follows the scheme, unchanged: nothing is trimmed, so a token
 * with a leading space (or a secret with a trailing newline) never matches a neighbour. (HTTP itself drops
 * whitespace at both ends of a header value before any of this runs.) Refusal messages are fixed sentences; none
 * carries what was sent.
 */
@ApplicationScoped
public class AdminTokenMechanism implements HttpAuthenticationMechanism {

    static final String SCHEME = "Bearer";
    static final String CHALLENGE = SCHEME + " realm=\"kvconfig-admin\"";

    static final String MISSING = "Missing Authorization header: send 'Authorization: Bearer <ADMIN_SECRET>'.";
    static final String SEVERAL = "More than one Authorization header.";
    static final String UNSUPPORTED = "Unsupported Authorization scheme: use 'Bearer <ADMIN_SECRET>'.";
    static final String EMPTY = "Empty bearer token.";
    static final String INVALID = "Invalid admin token.";
    static final Set<String> REFUSALS = Set.of(SEVERAL, UNSUPPORTED, EMPTY, INVALID);

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext context, IdentityProviderManager identities) {
        List<String> headers = context.request().headers().getAll(HttpHeaders.AUTHORIZATION);
        if (headers.isEmpty()) {
            // anonymous: an endpoint that needs the admin role answers 401 (UnauthorizedException)
            return Uni.createFrom().nullItem();
        }
        if (headers.size() > 1) {
            return Uni.createFrom().failure(new AuthenticationFailedException(SEVERAL));
        }
        String token;
        try {
            token = bearerToken(headers.get(0));
        } catch (AuthenticationFailedException e) {
            return Uni.createFrom().failure(e);
        }
        return identities.authenticate(HttpSecurityUtils.setRoutingContextAttribute(new AdminTokenRequest(token), context));
    }

    /**
     * The token of a {@code Bearer} header value: the scheme (any case, RFC 7235), one space, then the token as is.
     *
     * @throws AuthenticationFailedException for another scheme or an empty token
     */
    static String bearerToken(String header) {
        if (header == null || !header.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw new AuthenticationFailedException(UNSUPPORTED);
        }
        if (header.length() == SCHEME.length() || (header.length() == SCHEME.length() + 1 && header.charAt(SCHEME.length()) == ' ')) {
            throw new AuthenticationFailedException(EMPTY);
        }
        if (header.charAt(SCHEME.length()) != ' ') {
            throw new AuthenticationFailedException(UNSUPPORTED);
        }
        return header.substring(SCHEME.length() + 1);
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext context) {
        return Uni.createFrom().item(new ChallengeData(401, HttpHeaders.WWW_AUTHENTICATE, CHALLENGE));
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(AdminTokenRequest.class);
    }

    @Override
    public Uni<HttpCredentialTransport> getCredentialTransport(RoutingContext context) {
        return Uni.createFrom().item(new HttpCredentialTransport(HttpCredentialTransport.Type.AUTHORIZATION, SCHEME.toLowerCase()));
    }
}
