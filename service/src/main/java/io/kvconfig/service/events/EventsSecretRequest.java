package io.kvconfig.service.events;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** The event secret a caller presented, as sent. Its {@code toString} never shows it. */
public final class EventsSecretRequest extends BaseAuthenticationRequest {

    private final String secret;

    public EventsSecretRequest(String secret) {
        this.secret = secret;
    }

    String secret() {
        return secret;
    }

    @Override
    public String toString() {
        return "EventsSecretRequest[secret hidden]";
    }
}
