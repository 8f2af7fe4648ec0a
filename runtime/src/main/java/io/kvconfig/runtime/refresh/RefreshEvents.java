package io.kvconfig.runtime.refresh;

import org.jboss.logging.Logger;

import io.quarkus.arc.Arc;
import io.quarkus.arc.ArcContainer;

/** Fires {@link SecretsRefreshed} to the application's observers, synchronous and asynchronous. */
final class RefreshEvents {

    private static final Logger LOG = Logger.getLogger("io.kvconfig");

    private RefreshEvents() {
    }

    static void fire(SecretsRefreshed event) {
        ArcContainer container = Arc.container();
        if (container == null || !container.isRunning()) {
            return; // no CDI (the CLI, plain config tests) or the app is stopping
        }
        var events = container.beanManager().getEvent().select(SecretsRefreshed.class);
        try {
            events.fire(event);
        } catch (RuntimeException e) {
            // an observer's failure is the application's; the new values are in place either way
            LOG.warnf("An observer of SecretsRefreshed failed: %s", e.getClass().getName());
        }
        events.fireAsync(event).exceptionally(e -> {
            LOG.warnf("An asynchronous observer of SecretsRefreshed failed: %s", e.getClass().getName());
            return null;
        });
    }
}
