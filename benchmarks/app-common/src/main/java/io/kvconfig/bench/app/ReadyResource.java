package io.kvconfig.bench.app;

import io.smallrye.config.SecretKeys;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import org.eclipse.microprofile.config.Config;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The readiness URL the harness polls: its first 200 marks "ready". It also proves the references
 * were really resolved (counts only; never a value), so a fast but broken start cannot pass as fast.
 */
@Path("/ready")
public class ReadyResource {

    static final String PREFIX = "bench.ref.";

    @GET
    @Produces(MediaType.TEXT_PLAIN)
    public String ready() {
        Config config = ConfigProvider.getConfig();
        // resolved values are secret keys: hidden from the name listing and from reads unless unlocked
        return SecretKeys.doUnlocked(() -> {
            int refs = 0;
            int resolved = 0;
            for (String name : config.getPropertyNames()) {
                if (!name.startsWith(PREFIX)) {
                    continue;
                }
                refs++;
                String value = config.getOptionalValue(name, String.class).orElse("");
                if (!value.isEmpty() && !value.startsWith("@kv")) {
                    resolved++;
                }
            }
            return "refs=" + refs + " resolved=" + resolved + "\n";
        });
    }
}
