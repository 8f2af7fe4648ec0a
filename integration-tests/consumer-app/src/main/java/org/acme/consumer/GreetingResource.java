package org.acme.consumer;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;

/** Uses the resolved settings; never returns a secret value. */
@Path("/greeting")
public class GreetingResource {

    @Inject
    ApiSettings api;

    @ConfigProperty(name = "greeting.token")
    String token;

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String hello() {
        return "Hello from " + api.name() + " (api key: " + api.key().length() + " characters, token: "
                + token.length() + " characters)";
    }
}
