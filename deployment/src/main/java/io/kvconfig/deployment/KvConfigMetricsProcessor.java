package io.kvconfig.deployment;

import java.util.Optional;

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

    /** By name: the class implements a Micrometer interface, which the build's class loader may not have. */
    static final String METER_BINDER = "io.kvconfig.runtime.metrics.KvConfigMeterBinder";

    @BuildStep
    void meterBinder(Optional<MetricsCapabilityBuildItem> metricsCapability, BuildProducer<AdditionalBeanBuildItem> beans) {
        if (metricsCapability.isPresent() && metricsCapability.get().metricsSupported(MetricsFactory.MICROMETER)) {
            beans.produce(AdditionalBeanBuildItem.builder().addBeanClass(METER_BINDER).setUnremovable().build());
        }
    }
}
