package io.kvconfig.deployment;

import java.time.Duration;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import org.eclipse.microprofile.config.Config;

import io.kvconfig.runtime.KeyVault;
import io.smallrye.config.SecretKeys;
import io.vertx.ext.web.Router;

/** Tiny HTTP surface for the dev-mode test (reads resolved properties, writes a secret to the vault). */
@ApplicationScoped
public class DevModeRoutes {

    @Inject
    Config config;
    @Inject
    KeyVault keyVault;

    void routes(@Observes Router router) {
        router.get("/kv/:name").blockingHandler(rc -> {
            String value = SecretKeys.doUnlocked(
                    () -> config.getOptionalValue("greeting." + rc.pathParam("name"), String.class).orElse("<unset>"));
            rc.response().end(value);
        });
        router.get("/kv-firewall").blockingHandler(rc -> rc.response().end(keyVault.lastAllowlisting()
                .map(r -> "ok=" + r.ok() + " ip=" + r.ip() + " rule=" + (r.added() || r.alreadyPresent())).orElse("<none>")));
        router.post("/kv/write/:secret/:value").blockingHandler(rc -> {
            keyVault.secrets().setSecret(rc.pathParam("secret"), rc.pathParam("value")).block(Duration.ofSeconds(10));
            rc.response().end("ok");
        });
    }
}
