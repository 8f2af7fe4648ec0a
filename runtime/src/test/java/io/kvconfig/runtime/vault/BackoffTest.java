package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.random.RandomGenerator;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffTest {

    static final Backoff NO_JITTER = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0);

    /** A generator that always answers the same fraction, to hit the jitter's ends. */
    static RandomGenerator fixed(double value) {
        return new RandomGenerator() {
            @Override
            public long nextLong() {
                throw new UnsupportedOperationException();
            }

            @Override
            public double nextDouble() {
                return value;
            }
        };
    }

    @ParameterizedTest
    @CsvSource({ "1,200", "2,400", "3,800", "4,1600", "5,3200", "6,5000", "7,5000", "40,5000", "2147483647,5000" })
    void doublesFromTheBaseUpToTheCap(int failures, long expectedMs) {
        assertThat(NO_JITTER.delay(failures, null, fixed(0.99))).isEqualTo(Duration.ofMillis(expectedMs));
    }

    @Test
    void jitterStaysWithinItsBoundsAndTheCap() {
        Backoff b = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2);
        Random seeded = new Random(42);
        List<Long> seen = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            long ms = b.delay(2, null, seeded).toMillis();
            assertThat(ms).isBetween(320L, 480L);
            seen.add(ms);
        }
        // it does spread: both halves of the range are used
        assertThat(seen).anyMatch(ms -> ms < 360).anyMatch(ms -> ms > 440);
        for (int i = 0; i < 2000; i++) {
            assertThat(b.delay(10, null, seeded)).isBetween(Duration.ofMillis(4000), Duration.ofSeconds(5));
        }
        // the ends of the random range map to the ends of the spread
        assertThat(b.delay(1, null, fixed(0.0))).isEqualTo(Duration.ofMillis(160));
        assertThat(b.delay(1, null, fixed(0.999999))).isEqualTo(Duration.ofMillis(240));
    }

    @Test
    void theSameSeedGivesTheSameDelays() {
        Random a = new Random(7);
        Random b = new Random(7);
        for (int n = 1; n < 10; n++) {
            assertThat(Backoff.TRANSIENT.delay(n, null, a)).isEqualTo(Backoff.TRANSIENT.delay(n, null, b));
        }
    }

    @Test
    void retryAfterWinsOverBaseCapAndJitter() {
        assertThat(Backoff.TRANSIENT.delay(1, Duration.ofSeconds(30), fixed(0.0))).isEqualTo(Duration.ofSeconds(30));
        assertThat(Backoff.TRANSIENT.delay(9, Duration.ofMillis(50), fixed(0.9))).isEqualTo(Duration.ofMillis(50));
        assertThat(Backoff.TRANSIENT.delay(1, Duration.ZERO, fixed(0.9))).isEqualTo(Duration.ZERO);
        assertThat(Backoff.TRANSIENT.delay(1, Duration.ofSeconds(-3), fixed(0.9))).isEqualTo(Duration.ZERO);
    }

    @Test
    void theDeadlineEndsIt() {
        Duration left = Duration.ofMillis(1000);
        assertThat(NO_JITTER.next(1, null, left, fixed(0.5))).contains(Duration.ofMillis(200));
        assertThat(NO_JITTER.next(3, null, left, fixed(0.5))).contains(Duration.ofMillis(800));
        // 1600 ms would end after the deadline
        assertThat(NO_JITTER.next(4, null, left, fixed(0.5))).isEmpty();
        // a wait ending exactly at the deadline leaves no time for the attempt
        assertThat(NO_JITTER.next(1, null, Duration.ofMillis(200), fixed(0.5))).isEmpty();
        // a Retry-After beyond the deadline ends it too
        assertThat(NO_JITTER.next(1, Duration.ofSeconds(2), left, fixed(0.5))).isEmpty();
        assertThat(NO_JITTER.next(1, Duration.ofMillis(10), left, fixed(0.5))).contains(Duration.ofMillis(10));
        assertThat(NO_JITTER.next(1, null, Duration.ZERO, fixed(0.5))).isEmpty();
        assertThat(NO_JITTER.next(1, Duration.ZERO, Duration.ofMillis(-1), fixed(0.5))).isEmpty();
    }

    @Test
    void throttlingStartsLater() {
        assertThat(Backoff.forFailure(FailureKind.THROTTLED)).isEqualTo(Backoff.THROTTLED);
        assertThat(Backoff.forFailure(FailureKind.UNREACHABLE)).isEqualTo(Backoff.TRANSIENT);
        assertThat(Backoff.THROTTLED.delay(1, null, fixed(0.5))).isEqualTo(Duration.ofSeconds(1));
        assertThat(Backoff.PROPAGATION.delay(3, null, fixed(0.0))).isEqualTo(Duration.ofMillis(800));
    }

    @Test
    void badPoliciesAndCountsAreRefused() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1), 0)).hasMessageContaining("base");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1), 0)).hasMessageContaining("cap");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), 1.0)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(1), -0.1)).hasMessageContaining("jitter");
        assertThatThrownBy(() -> NO_JITTER.delay(0, null, fixed(0.5))).hasMessageContaining("failures");
    }
}
