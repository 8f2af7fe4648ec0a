package io.kvconfig.runtime;

import io.quarkus.runtime.ShutdownContext;
import io.quarkus.runtime.annotations.Recorder;

@Recorder
public class KvConfigRecorder {

    /** Closes the shared Key Vault clients when the application stops (also on each dev-mode restart). */
    public void closeOnShutdown(ShutdownContext shutdown) {
        shutdown.addLastShutdownTask(KvConfigRuntime::shutdown);
    }
}
