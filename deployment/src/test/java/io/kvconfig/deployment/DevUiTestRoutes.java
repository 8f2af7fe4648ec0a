package io.kvconfig.deployment;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import com.azure.core.exception.ResourceNotFoundException;

import io.kvconfig.runtime.KeyVault;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;

/**
 * The Dev UI tests' check on the dev vault from inside the app: is the secret there, with the value the test set
 * through the Dev UI? Answers "same" or "different", never the stored value, so no test report can hold it.
 */
@ApplicationScoped
public class DevUiTestRoutes {

    @Inject
    KeyVault keyVault;

    void routes(@Observes Router router) {
        router.post("/devui-test/compare/:name").handler(BodyHandler.create()).blockingHandler(rc -> {
            String expected = rc.body().asString();
            try {
                String stored = keyVault.secrets().getSecret(rc.pathParam("name")).block(Duration.ofSeconds(20)).getValue();
                rc.response().end(stored.equals(expected) ? "same" : "different");
            } catch (ResourceNotFoundException e) {
                rc.response().setStatusCode(404).end("absent");
            }
        });
    }
}
