package io.kvconfig.deployment;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.logging.Level;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.KvConfigRecorder;
import io.kvconfig.runtime.config.KvConfigRuntimeConfigBuilder;
import io.kvconfig.runtime.config.KvDotEnvConfigBuilder;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.quarkus.arc.deployment.AdditionalBeanBuildItem;
import io.quarkus.deployment.annotations.BuildProducer;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.deployment.annotations.ExecutionTime;
import io.quarkus.deployment.annotations.Record;
import io.quarkus.deployment.builditem.ConfigurationBuildItem;
import io.quarkus.deployment.builditem.FeatureBuildItem;
import io.quarkus.deployment.builditem.LogCategoryBuildItem;
import io.quarkus.deployment.builditem.RunTimeConfigBuilderBuildItem;
import io.quarkus.deployment.builditem.ShutdownContextBuildItem;
import io.quarkus.deployment.builditem.StaticInitConfigBuilderBuildItem;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.smallrye.health.deployment.spi.HealthBuildItem;
import io.smallrye.config.ConfigValue;

class KvConfigProcessor {

    static final String FEATURE = "kvconfig";
    static final String HEALTH_CHECK = "io.kvconfig.runtime.health.KeyVaultReadinessCheck";

    /**
     * The feature, after checking that no property fixed at build time holds a {@code @kv:} reference: a secret
     * resolved at build would be baked into the build output.
     */
    @BuildStep
    FeatureBuildItem feature(ConfigurationBuildItem configuration) {
        checkNoBuildTimeReferences(configuration.getReadResult().getAllBuildTimeValues(),
                configuration.getReadResult().getBuildTimeRunTimeValues());
        return new FeatureBuildItem(FEATURE);
    }

    static void checkNoBuildTimeReferences(Map<String, ConfigValue> buildTime, Map<String, ConfigValue> buildTimeRunTimeFixed) {
        Map<String, String> offending = new TreeMap<>();
        collect(buildTime, "build time", offending);
        collect(buildTimeRunTimeFixed, "fixed at build time", offending);
        if (!offending.isEmpty()) {
            List<String> lines = new ArrayList<>();
            offending.forEach((name, phase) -> lines.add(name + " (" + phase + ")"));
            throw new ConfigurationException("@kv: references are resolved at application startup, but these "
                    + "properties are read at build time and a secret must never be baked into the build output: "
                    + String.join(", ", lines) + ". Give them a plain value, or move the secret to a runtime property.");
        }
    }

    private static void collect(Map<String, ConfigValue> values, String phase, Map<String, String> out) {
        for (Map.Entry<String, ConfigValue> e : values.entrySet()) {
            ConfigValue v = e.getValue();
            if (v != null && SecretReferenceParser.isReference(v.getValue())
                    || v != null && SecretReferenceParser.isReference(v.getRawValue())) {
                out.put(e.getKey(), phase);
            }
        }
    }

    /** The {@code @kv:} interceptor for the runtime config only: no resolution during the build or static init. */
    @BuildStep
    void configBuilders(BuildProducer<RunTimeConfigBuilderBuildItem> runtime,
            BuildProducer<StaticInitConfigBuilderBuildItem> staticInit) {
        runtime.produce(new RunTimeConfigBuilderBuildItem(KvConfigRuntimeConfigBuilder.class));
        // the bash-format .env: the same source for static init and runtime
        runtime.produce(new RunTimeConfigBuilderBuildItem(KvDotEnvConfigBuilder.class));
        staticInit.produce(new StaticInitConfigBuilderBuildItem(KvDotEnvConfigBuilder.class));
    }

    /**
     * The resolver retries itself and reports every failure in ONE startup error; with SDK retries off, the SDK would
     * also log each failed attempt at ERROR ("Retry attempts have been exhausted", token cache). Users can raise these
     * categories again with quarkus.log.category."...".level.
     */
    @BuildStep
    void quietSdkRetryLogs(BuildProducer<LogCategoryBuildItem> categories) {
        categories.produce(new LogCategoryBuildItem("com.azure.core.http.policy.RetryPolicy", Level.OFF));
        categories.produce(new LogCategoryBuildItem("com.azure.core.implementation.AccessTokenCache", Level.OFF));
    }

    @BuildStep
    AdditionalBeanBuildItem beans() {
        return AdditionalBeanBuildItem.unremovableOf(KeyVault.class);
    }

    /**
     * Only consumed when quarkus-smallrye-health is in the application; {@code quarkus.kvconfig.health.enabled=false}
     * leaves the check out (no bean, no Key Vault call).
     */
    @BuildStep
    HealthBuildItem health(KvConfigHealthConfig config) {
        return new HealthBuildItem(HEALTH_CHECK, config.enabled());
    }

    @BuildStep
    @Record(ExecutionTime.RUNTIME_INIT)
    void closeClients(KvConfigRecorder recorder, ShutdownContextBuildItem shutdown) {
        recorder.closeOnShutdown(shutdown);
    }

    /** The timed refresh ({@code quarkus.kvconfig.refresh.period}), read and started at runtime; off when unset. */
    @BuildStep
    @Record(ExecutionTime.RUNTIME_INIT)
    void refreshTimer(KvConfigRecorder recorder, ShutdownContextBuildItem shutdown) {
        recorder.startRefreshTimer(shutdown);
    }
}
