package io.kvconfig.runtime.metrics;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

import jakarta.annotation.PreDestroy;
import jakarta.inject.Singleton;

import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.ReferenceStatus;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Exposes the extension's figures to Micrometer. A bean only when the application has Micrometer (the deployment
 * module registers it on Quarkus's metrics capability); Quarkus's Micrometer extension binds every
 * {@link MeterBinder} bean to its registry. The startup batch ran before the registry existed: the resolution time and
 * the references come from the startup report, the request counters from {@link KvConfigMetrics}.
 */
@Singleton
public class KvConfigMeterBinder implements MeterBinder {

    private final List<Runnable> subscriptions = new CopyOnWriteArrayList<>();

    @Override
    public void bindTo(MeterRegistry registry) {
        TimeGauge.builder("kvconfig.resolution.duration", () -> KvConfigRuntime.report().elapsedMillis(),
                TimeUnit.MILLISECONDS)
                .description("Time the startup batch took to resolve the @kv: references")
                .register(registry);
        for (ReferenceStatus.Status status : ReferenceStatus.Status.values()) {
            Gauge.builder("kvconfig.references", () -> count(status))
                    .description("@kv: references of the running configuration, by status")
                    .tag("status", KvConfigMetrics.tagValue(status.name()))
                    .register(registry);
        }
        Gauge.builder("kvconfig.references.stale",
                () -> KvConfigRuntime.liveReferences().map(live -> live.stale().size()).orElse(0))
                .description("@kv: references whose last refresh failed (they serve their last good value)")
                .register(registry);
        // counters appear on first use (a tag combination that never happened is not shown)
        subscriptions.add(KvConfigMetrics.listen((id, adder) -> counter(registry, id, adder)));
    }

    private static void counter(MeterRegistry registry, KvConfigMetrics.Id id, LongAdder adder) {
        FunctionCounter.Builder<LongAdder> b = FunctionCounter.builder(id.name(), adder, LongAdder::sum)
                .description(description(id.name()));
        for (int i = 0; i < id.tags().size(); i += 2) {
            b.tag(id.tags().get(i), id.tags().get(i + 1));
        }
        b.register(registry);
    }

    private static String description(String name) {
        return switch (name) {
            case KvConfigMetrics.REQUESTS -> "Key Vault requests by operation and outcome";
            case KvConfigMetrics.RETRIES -> "Key Vault requests retried by the resolver, by reason";
            case KvConfigMetrics.ALLOWLISTING -> "Firewall allowlisting runs by result";
            case KvConfigMetrics.SETTINGS_WRITES -> "write_env (PUT /api/settings) requests by outcome";
            case KvConfigMetrics.REFRESHES -> "Refreshes of the @kv: references by result";
            case KvConfigMetrics.REFRESH_UPDATES -> "Secrets a refresh found with a new version";
            default -> null;
        };
    }

    private static long count(ReferenceStatus.Status status) {
        return KvConfigRuntime.report().references().stream().filter(r -> r.status() == status).count();
    }

    @PreDestroy
    void stop() {
        // a dev-mode restart builds a new registry: stop feeding the old one
        subscriptions.forEach(Runnable::run);
        subscriptions.clear();
    }
}
