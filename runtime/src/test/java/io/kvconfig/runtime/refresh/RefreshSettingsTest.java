package io.kvconfig.runtime.refresh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.config.KvConfigMapping;

/** {@code quarkus.kvconfig.refresh.*}: off by default, jitter a tenth of the period unless set, bad values named. */
class RefreshSettingsTest {

    static RefreshSettings settings(Map<String, String> config) {
        return RefreshSettings.from(KvConfigMapping.of(n -> Optional.ofNullable(config.get(n))));
    }

    @Test
    void offByDefault() {
        RefreshSettings s = settings(Map.of());
        assertThat(s.enabled()).isFalse();
        assertThat(s).isEqualTo(RefreshSettings.OFF);
    }

    @Test
    void jitterDefaultsToATenthOfThePeriod() {
        RefreshSettings s = settings(Map.of("quarkus.kvconfig.refresh.period", "15m"));
        assertThat(s.period()).contains(Duration.ofMinutes(15));
        assertThat(s.jitter()).isEqualTo(Duration.ofSeconds(90));
        for (int i = 0; i < 200; i++) {
            assertThat(s.nextDelay()).isBetween(Duration.ofMinutes(15), Duration.ofMinutes(15).plusSeconds(90));
        }
    }

    @Test
    void zeroJitterIsTheBarePeriod() {
        RefreshSettings s = settings(Map.of("quarkus.kvconfig.refresh.period", "200ms", "quarkus.kvconfig.refresh.jitter", "0"));
        assertThat(s.jitter()).isZero();
        assertThat(s.nextDelay()).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void badValuesNameTheProperty() {
        assertThatThrownBy(() -> settings(Map.of("quarkus.kvconfig.refresh.period", "0S")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarkus.kvconfig.refresh.period");
        assertThatThrownBy(() -> settings(Map.of("quarkus.kvconfig.refresh.period", "-5M")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarkus.kvconfig.refresh.period");
        assertThatThrownBy(() -> settings(Map.of("quarkus.kvconfig.refresh.period", "often")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarkus.kvconfig.refresh.period");
        assertThatThrownBy(() -> settings(Map.of("quarkus.kvconfig.refresh.period", "1M", "quarkus.kvconfig.refresh.jitter", "-1S")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quarkus.kvconfig.refresh.jitter");
    }
}
