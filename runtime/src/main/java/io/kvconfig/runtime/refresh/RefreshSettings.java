package io.kvconfig.runtime.refresh;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import io.kvconfig.runtime.config.KvConfigConfig;

/**
 * {@code quarkus.kvconfig.refresh.*}, checked by {@link io.kvconfig.runtime.config.KvConfigMapping}.
 *
 * @param period empty: no timed refresh
 * @param jitter the largest random delay added to each period
 */
public record RefreshSettings(Optional<Duration> period, Duration jitter) {

    public static final RefreshSettings OFF = new RefreshSettings(Optional.empty(), Duration.ZERO);

    public static RefreshSettings from(KvConfigConfig config) {
        Optional<Duration> period = config.refresh().period();
        Duration jitter = config.refresh().jitter().orElseGet(() -> period.map(p -> p.dividedBy(10)).orElse(Duration.ZERO));
        return new RefreshSettings(period, jitter);
    }

    public boolean enabled() {
        return period.isPresent();
    }

    /** The delay before the next refresh: the period plus a random part of the jitter (replicas spread out). */
    public Duration nextDelay() {
        Duration p = period.orElseThrow();
        long j = jitter.toMillis();
        return j <= 0 ? p : p.plusMillis(ThreadLocalRandom.current().nextLong(j + 1));
    }
}
