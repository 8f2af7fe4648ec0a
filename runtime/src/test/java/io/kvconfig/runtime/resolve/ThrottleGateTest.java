package io.kvconfig.runtime.resolve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import io.kvconfig.runtime.vault.FailureKind;
import reactor.core.Disposable;
import reactor.core.scheduler.Schedulers;

/**
 * The vault's gate on its own, on a clock the test moves: counts of requests let through, never time. (The resolver
 * against the dev vault's service limit is {@code SecretResolverThrottleTest}.)
 */
class ThrottleGateTest {

    static final long S = 1_000_000_000L;
    static final Classified THROTTLED = new Classified(FailureKind.THROTTLED, true, Duration.ofSeconds(2),
            "the vault throttled the requests (HTTP 429)", 429, null, null);

    final AtomicLong clock = new AtomicLong(1_000 * S);
    final AtomicInteger granted = new AtomicInteger();
    final List<Disposable> waiting = new ArrayList<>();

    ThrottleGate gate(int initial, int max, Duration jitter) {
        return new ThrottleGate(initial, max, jitter, clock::get, Schedulers.single());
    }

    void wait(ThrottleGate gate, int n) {
        for (int i = 0; i < n; i++) {
            waiting.add(gate.acquire().subscribe(null, null, granted::incrementAndGet));
        }
    }

    long now() {
        return clock.get();
    }

    @Test
    void startsAtTheInitialWindowAndWidensByOnePerRoundTripUpToParallelism() {
        ThrottleGate gate = gate(2, 5, Duration.ZERO);
        wait(gate, 100);
        assertThat(granted).hasValue(2);
        int answers = 0;
        List<Integer> windows = new ArrayList<>();
        while (answers < 30) {
            gate.release(true);
            answers++;
            windows.add(gate.window());
            // a slot freed is a slot given: never more in flight than the window
            assertThat(gate.inFlight()).isEqualTo(gate.window());
        }
        // one more after a window's worth of answers: 2 answers -> 3, 3 more -> 4, 4 more -> 5, then the cap
        assertThat(windows.subList(0, 10)).containsExactly(2, 3, 3, 3, 4, 4, 4, 4, 5, 5);
        assertThat(windows.get(29)).isEqualTo(5);
        assertThat(granted).hasValue(2 + 30 + 3);
    }

    @Test
    void answersThatAreNotAnswersDoNotWiden() {
        ThrottleGate gate = gate(2, 5, Duration.ZERO);
        wait(gate, 10);
        for (int i = 0; i < 6; i++) {
            gate.release(false); // timed out, connection error: no sign the vault takes this pace
        }
        assertThat(gate.window()).isEqualTo(2);
        assertThat(granted).hasValue(8);
    }

    @Test
    void aThrottleClosesTheDoorForEveryWaiterUntilRetryAfterThenLetsOneAtATime() {
        ThrottleGate gate = gate(3, 100, Duration.ZERO);
        wait(gate, 8);
        assertThat(granted).hasValue(3);
        long opens = gate.throttled(THROTTLED, Duration.ofSeconds(2), Long.MAX_VALUE);
        assertThat(opens).isEqualTo(now() + 2 * S);
        // the three in flight come back (the other two refused as well): nobody goes while the door is closed
        gate.release(false);
        gate.throttled(THROTTLED, Duration.ofSeconds(2), Long.MAX_VALUE);
        gate.release(false);
        gate.release(false);
        assertThat(granted).hasValue(3);
        clock.addAndGet(2 * S - 1);
        gate.drain();
        assertThat(granted).hasValue(3);
        assertThat(gate.closedUntil()).isEqualTo(opens);

        clock.addAndGet(1);
        gate.drain();
        assertThat(gate.closedUntil()).isZero();
        assertThat(granted).as("one request at a time after a 429").hasValue(4);
        for (int i = 0; i < 3; i++) {
            gate.release(true);
        }
        // answers no longer widen the window in a throttled batch
        assertThat(gate.window()).isEqualTo(1);
        assertThat(granted).hasValue(7);
        assertThat(gate.closings()).isEqualTo(1);
        assertThat(gate.closedBy()).isSameAs(THROTTLED);
    }

    @Test
    void laterRefusalsOfTheSameRoundKeepTheOneWait() {
        ThrottleGate gate = gate(10, 100, Duration.ofSeconds(1));
        wait(gate, 10);
        long opens = gate.throttled(THROTTLED, Duration.ofSeconds(2), Long.MAX_VALUE);
        assertThat(opens - now()).isBetween(2 * S, 3 * S);
        long prev = opens;
        for (int i = 0; i < 9; i++) {
            clock.addAndGet(S / 100);
            // the rest of the round, refused a little later with the same Retry-After: the door never opens earlier
            long o = gate.throttled(THROTTLED, Duration.ofSeconds(2), Long.MAX_VALUE);
            assertThat(o).isGreaterThanOrEqualTo(prev).isGreaterThanOrEqualTo(now() + 2 * S);
            prev = o;
        }
        assertThat(gate.closings()).isEqualTo(1);
        // a longer Retry-After moves the door later
        long later = gate.throttled(THROTTLED, Duration.ofSeconds(5), Long.MAX_VALUE);
        assertThat(later - now()).isBetween(5 * S, 6 * S);
    }

    @Test
    void theJitterIsAtMostOneSpreadAndNeverPastTheLatestInstant() {
        long min = Long.MAX_VALUE, max = Long.MIN_VALUE;
        for (int i = 0; i < 200; i++) {
            long opens = gate(1, 1, Duration.ofSeconds(1)).throttled(THROTTLED, Duration.ofSeconds(2), Long.MAX_VALUE) - now();
            min = Math.min(min, opens);
            max = Math.max(max, opens);
        }
        assertThat(min).isGreaterThanOrEqualTo(2 * S);
        assertThat(max).isLessThanOrEqualTo(3 * S);
        assertThat(max - min).as("replicas spread their return").isGreaterThan(S / 2);
        // close to the deadline: the jitter shrinks, the Retry-After itself is kept
        for (int i = 0; i < 50; i++) {
            long opens = gate(1, 1, Duration.ofSeconds(1)).throttled(THROTTLED, Duration.ofSeconds(2), now() + 2 * S + S / 10)
                    - now();
            assertThat(opens).isBetween(2 * S, 2 * S + S / 10);
        }
    }

    @Test
    void eachClosingIsOneWaitAndTheNextRoundIsANewOne() {
        ThrottleGate gate = gate(1, 100, Duration.ZERO);
        wait(gate, 5);
        assertThat(gate.throttled(THROTTLED, Duration.ofSeconds(1), Long.MAX_VALUE) - now()).isEqualTo(S);
        gate.release(false);
        clock.addAndGet(S);
        gate.drain();
        assertThat(granted).hasValue(2);
        // refused again after reopening: a second closing, on the vault's new Retry-After
        assertThat(gate.throttled(THROTTLED, Duration.ofSeconds(3), Long.MAX_VALUE) - now()).isEqualTo(3 * S);
        gate.release(false);
        assertThat(granted).hasValue(2);
        assertThat(gate.closings()).isEqualTo(2);
    }

    @Test
    void aWaiterThatGivesUpLeavesNoSlotTaken() {
        ThrottleGate gate = gate(1, 1, Duration.ZERO);
        wait(gate, 3);
        assertThat(granted).hasValue(1);
        waiting.get(1).dispose();
        gate.release(true);
        assertThat(granted).hasValue(2);
        assertThat(gate.inFlight()).isEqualTo(1);
        gate.release(true);
        assertThat(gate.inFlight()).isZero();
        assertThat(granted).hasValue(2);
    }

    @Test
    void windowsBelowOneAreRefused() {
        assertThatThrownBy(() -> gate(0, 10, Duration.ZERO)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("initial 0");
    }
}
