package io.kvconfig.deployment;

import java.util.Optional;

import io.kvconfig.runtime.metrics.KvConfigMeterBinder;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.metrics.MetricsCapabilityBuildItem;
import io.quarkus.runtime.metrics.MetricsFactory;

/**
 * Metrics when the application has Micrometer (Quarkus's metrics capability): the meter binder bean, which Quarkus's
 * Micrometer extension binds to its registry. Without it nothing references Micrometer classes.
 */
class KvConfigMetricsProcessor {

    @BuildStep
    void meterBinder(Optional<MetricsCapabilityBuildItem> metricsCapability, BuildProducer<AdditionalBeanBuildItem> beans) {
        if (metricsCapability.isPresent() && metricsCapability.get().metricsSupported(MetricsFactory.MICROMETER)) {
            beans.produce(AdditionalBeanBuildItem.unremovableOf(KvConfigMeterBinder.class));
        }
    }
}
