package io.kvconfig.runtime.devservices;

import java.util.HashSet;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;

import io.quarkus.devservices.crossclassloader.runtime.RunningDevServicesRegistry;
import io.quarkus.devservices.crossclassloader.runtime.RunningService;
import io.quarkus.runtime.LaunchMode;
import io.quarkus.runtime.configuration.ConfigBuilder;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * Hands the config of the running Dev Services (the dev vault's URL, credential, trust store) to the app, as
 * {@code io.quarkus:quarkus-devservices}'s own config source does, with the same ordinal and semantics.
 * <p>
 * Registered by the deployment module only in dev and test mode, and only when the app does not already have
 * Quarkus's Dev Services extension: that extension also brings Testcontainers, the {@code compose} feature and a
 * Docker probe on every dev start, none of which an in-JVM dev vault needs.
 */
public final class RunningDevServicesConfigBuilder implements ConfigBuilder {

    /** Same as Quarkus's DevServicesConfigSource: below application.properties (250), .env and the environment. */
    static final int ORDINAL = 240;

    @Override
    public SmallRyeConfigBuilder configBuilder(SmallRyeConfigBuilder builder) {
        return builder.withSources(new Source(LaunchMode.current()));
    }

    @Override
    public int priority() {
        return 10;
    }

    /** Reads the running services at each lookup: a dev-mode restart may have replaced them. */
    static final class Source implements ConfigSource {
        private final LaunchMode launchMode;

        Source(LaunchMode launchMode) {
            this.launchMode = launchMode;
        }

        @Override
        public Set<String> getPropertyNames() {
            Set<String> names = new HashSet<>();
            Set<RunningService> running = RunningDevServicesRegistry.INSTANCE.getAllRunningServices(launchMode.name());
            if (running != null) {
                for (RunningService service : running) {
                    names.addAll(service.configs().keySet());
                }
            }
            return names;
        }

        @Override
        public String getValue(String name) {
            Set<RunningService> running = RunningDevServicesRegistry.INSTANCE.getAllRunningServices(launchMode.name());
            if (running != null) {
                for (RunningService service : running) {
                    String value = service.configs().get(name);
                    if (value != null) {
                        return value;
                    }
                }
            }
            return null;
        }

        /** Starts with "DevServices": the deployment module tells a Dev Service's own URL from a configured vault by it. */
        @Override
        public String getName() {
            return "DevServicesConfigSource (kvconfig)";
        }

        @Override
        public int getOrdinal() {
            return ORDINAL;
        }
    }
}
