package io.kvconfig.runtime.refresh;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;

/**
 * The timer's thread exists only between start and close (a dev-mode restart closes the old app's timer before the new
 * app starts its own), and none is started without a period.
 */
class RefreshTimerLifecycleTest {

    static List<Thread> timerThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("kvconfig-refresh-timer"))
                .filter(Thread::isAlive).toList();
    }

    @Test
    void noPeriodNoTimer() {
        assertThat(RefreshTimer.start(RefreshSettings.OFF)).isEmpty();
        assertThat(timerThreads()).isEmpty();
    }

    @Test
    void closeEndsTheTimerThread() throws InterruptedException {
        Optional<RefreshTimer> timer = RefreshTimer.start(new RefreshSettings(Optional.of(Duration.ofMillis(20)), Duration.ZERO));
        assertThat(timer).isPresent();
        // ticks with nothing to refresh until closed
        Thread.sleep(100);
        List<Thread> threads = timerThreads();
        assertThat(threads).hasSize(1);
        assertThat(threads.get(0).isDaemon()).isTrue();
        assertThat(timer.get().running()).isTrue();

        timer.get().close();

        threads.get(0).join(10_000);
        assertThat(threads.get(0).isAlive()).isFalse();
        assertThat(timer.get().running()).isFalse();
    }
}
