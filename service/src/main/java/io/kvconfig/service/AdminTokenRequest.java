package io.kvconfig.service;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/**
 * The bearer token a caller presented, exactly as sent (see {@link AdminTokenMechanism}), for
 * {@link AdminIdentityProvider}. Its {@code toString} never shows the token.
 */
public final class AdminTokenRequest extends BaseAuthenticationRequest {

    private final String token;

    public AdminTokenRequest(String token) {
        this.token = token;
    }

    String token() {
        return token;
    }

    @Override
    public String toString() {
        return "AdminTokenRequest[token hidden]";
    }
}
