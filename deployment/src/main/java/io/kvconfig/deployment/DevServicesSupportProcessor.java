package io.kvconfig.deployment;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.kvconfig.runtime.devservices.RunningDevServicesConfigBuilder;
import io.quarkus.deployment.IsDevServicesSupportedByLaunchMode;
import io.quarkus.deployment.IsDevelopment;
import io.quarkus.deployment.IsNormal;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.BuildSteps;
import io.quarkus.deployment.annotations.Produce;
import io.quarkus.deployment.builditem.ApplicationInstanceIdBuildItem;
import io.quarkus.deployment.builditem.CuratedApplicationShutdownBuildItem;
import io.quarkus.deployment.builditem.DevServicesRegistryBuildItem;
import io.quarkus.deployment.builditem.DevServicesResultBuildItem;
import io.quarkus.deployment.builditem.LaunchModeBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigBuilderBuildItem;
import io.quarkus.deployment.builditem.ServiceStartBuildItem;
import io.quarkus.deployment.builditem.Startable;
import io.quarkus.deployment.dev.devservices.DevServiceDescriptionBuildItem;
import io.quarkus.deployment.dev.devservices.DevServicesConfig;
import io.quarkus.devservices.crossclassloader.runtime.RunningService;

/**
 * The part of Quarkus's Dev Services extension ({@code quarkus-devservices-deployment}) that an owned, in-JVM Dev
 * Service needs: the registry that starts and stops it, and the config source that hands its config to the app.
 * <p>
 * That extension also brings Testcontainers and the Compose Dev Services: every app using this extension would list
 * the {@code compose} feature, and every dev start and live reload would probe for Docker, which Testcontainers
 * reports as an ERROR on a machine without Docker. The dev vault needs none of it. So these steps stand in for
 * Quarkus's, and only when the app does not have that extension anyway (another extension's Dev Service brought
 * it): then Quarkus's own steps produce the registry and the config source, and these do nothing.
 */
@BuildSteps(onlyIf = DevServicesSupportProcessor.QuarkusDevServicesAbsent.class)
class DevServicesSupportProcessor {

    /** A build step of quarkus-devservices-deployment; its presence means that extension is in the app. */
    static final String QUARKUS_DEV_SERVICES_STEP = "io/quarkus/devservices/deployment/DevServicesProcessor.class";

    /** True when the app does not have Quarkus's Dev Services extension (its build steps are not on the class path). */
    static final class QuarkusDevServicesAbsent implements BooleanSupplier {
        @Override
        public boolean getAsBoolean() {
            return !quarkusDevServicesPresent(DevServicesSupportProcessor.class.getClassLoader());
        }
    }

    static boolean quarkusDevServicesPresent(ClassLoader deploymentClassLoader) {
        return deploymentClassLoader.getResource(QUARKUS_DEV_SERVICES_STEP) != null;
    }

    /**
     * An owned Dev Service of this extension, as {@code DevServicesResultBuildItem.owned()...build()} makes it. That
     * builder refuses to build unless {@code io.quarkus:quarkus-devservices} (whose deployment half is what this
     * extension leaves out) is on the class path, because without it nothing would hand the service's config to the
     * app; here {@link RunningDevServicesConfigBuilder} does. So the item's public constructor, with what the builder
     * would pass for this service: no dependencies on other Dev Services, no high-priority config.
     */
    @SuppressWarnings("unchecked")
    static <T extends Startable> DevServicesResultBuildItem owned(String serviceName, String description,
            Object serviceConfig, Supplier<T> startable, Consumer<T> postStart, Map<String, Function<T, String>> config) {
        Map<String, Function<Startable, String>> provider = new LinkedHashMap<>();
        config.forEach((key, value) -> provider.put(key, s -> value.apply((T) s)));
        Consumer<Startable> afterStart = postStart == null ? null : s -> postStart.accept((T) s);
        return new DevServicesResultBuildItem(KvConfigProcessor.FEATURE, description, serviceName, serviceConfig, Map.of(),
                startable::get, afterStart, provider, Set.of());
    }

    /** As Quarkus's DevServicesProcessor#devServicesRegistry: the registry StartupActionImpl starts owned services with. */
    @BuildStep(onlyIf = IsDevServicesSupportedByLaunchMode.class)
    @Produce(ServiceStartBuildItem.class)
    DevServicesRegistryBuildItem devServicesRegistry(LaunchModeBuildItem launchMode, ApplicationInstanceIdBuildItem instanceId,
            DevServicesConfig devServicesConfig, CuratedApplicationShutdownBuildItem shutdown) {
        DevServicesRegistryBuildItem registry = new DevServicesRegistryBuildItem(instanceId.getUUID(), devServicesConfig,
                launchMode.getLaunchMode());
        shutdown.addCloseTask(registry::closeAllRunningServices, true);
        return registry;
    }

    /** The running services' config for the app (dev and test mode; a packaged app has no Dev Services). */
    @BuildStep(onlyIfNot = IsNormal.class)
    RunTimeConfigBuilderBuildItem runningDevServicesConfig() {
        return new RunTimeConfigBuilderBuildItem(RunningDevServicesConfigBuilder.class);
    }

    /** The Dev UI's and the console's list of Dev Services (no container: the services here run in the JVM). */
    @BuildStep(onlyIf = { IsDevelopment.class, DevServicesConfig.Enabled.class })
    List<DevServiceDescriptionBuildItem> describe(List<DevServicesResultBuildItem> results,
            DevServicesRegistryBuildItem registry) {
        List<DevServiceDescriptionBuildItem> descriptions = new ArrayList<>();
        for (DevServicesResultBuildItem result : results) {
            if (!result.isStartable()) {
                descriptions.add(new DevServiceDescriptionBuildItem(result.getName(), result.getDescription(), () -> null,
                        result.getConfig()));
                continue;
            }
            descriptions.add(new DevServiceDescriptionBuildItem(result.getName(), result.getDescription(), () -> null,
                    () -> {
                        RunningService running = registry.getRunningServices(result.getName(), result.getServiceName(),
                                result.getServiceConfig());
                        return running == null ? Map.of() : running.configs();
                    }));
        }
        return descriptions;
    }
}
