package io.kvconfig.runtime;

import org.eclipse.microprofile.config.ConfigProvider;

import io.kvconfig.runtime.config.KvConfigConfig;
import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.refresh.RefreshSettings;
import io.kvconfig.runtime.refresh.RefreshTimer;
import io.quarkus.runtime.ShutdownContext;
import io.quarkus.runtime.annotations.Recorder;
import io.smallrye.config.SecretKeys;

@Recorder
public class KvConfigRecorder {

    /** Closes the shared Key Vault clients when the application stops (also on each dev-mode restart). */
    public void closeOnShutdown(ShutdownContext shutdown) {
        shutdown.addLastShutdownTask(KvConfigRuntime::shutdown);
    }

    /**
     * Starts the timed refresh when {@code quarkus.kvconfig.refresh.period} is set, and stops it at shutdown (before
     * the clients are closed), so a dev-mode restart leaves no timer behind.
     */
    public void startRefreshTimer(ShutdownContext shutdown) {
        var config = ConfigProvider.getConfig();
        KvConfigConfig kv = SecretKeys.doUnlocked(() -> KvConfigMapping.of(name -> config.getOptionalValue(name, String.class)));
        if (!kv.enabled()) {
            return;
        }
        RefreshTimer.start(RefreshSettings.from(kv)).ifPresent(timer -> shutdown.addShutdownTask(timer::close));
    }
}
