package io.kvconfig.runtime.health;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

/** The readiness probe's sharing rules, on a hand-driven clock: runs are counted, nothing is timed. */
class SharedProbeTest {

    final AtomicLong now = new AtomicLong(1_000);
    final List<CompletableFuture<String>> runs = new ArrayList<>();

    SharedProbe<String> probe(Duration period) {
        return new SharedProbe<>(() -> {
            CompletableFuture<String> f = new CompletableFuture<>();
            synchronized (runs) {
                runs.add(f);
            }
            return f;
        }, period, now::get);
    }

    @Test
    void callersDuringARunShareIt() throws Exception {
        SharedProbe<String> p = probe(Duration.ofSeconds(30));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<CompletableFuture<String>>> got = new ArrayList<>();
            for (int i = 0; i < 50; i++) {
                got.add(pool.submit(() -> {
                    assertThat(go.await(10, TimeUnit.SECONDS)).isTrue();
                    return p.get();
                }));
            }
            go.countDown();
            List<CompletableFuture<String>> futures = new ArrayList<>();
            for (Future<CompletableFuture<String>> g : got) {
                futures.add(g.get(10, TimeUnit.SECONDS));
            }
            assertThat(runs).hasSize(1);
            runs.get(0).complete("up");
            for (CompletableFuture<String> f : futures) {
                assertThat(f.get(1, TimeUnit.SECONDS)).isEqualTo("up");
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aCallerThatCancelsLeavesTheRunToTheOthers() throws Exception {
        SharedProbe<String> p = probe(Duration.ofSeconds(30));
        CompletableFuture<String> leaving = p.get();
        CompletableFuture<String> staying = p.get();
        assertThat(leaving.cancel(false)).isTrue();
        assertThat(runs).hasSize(1);
        assertThat(staying).isNotDone();
        runs.get(0).complete("up");
        assertThat(staying.get(1, TimeUnit.SECONDS)).isEqualTo("up");
        // the result serves the period as usual: no second run because one caller left
        assertThat(p.get().get(1, TimeUnit.SECONDS)).isEqualTo("up");
        assertThat(runs).hasSize(1);
    }

    @Test
    void aResultServesUntilThePeriodEndsThenOneMoreRun() throws Exception {
        SharedProbe<String> p = probe(Duration.ofSeconds(30));
        CompletableFuture<String> first = p.get();
        now.addAndGet(Duration.ofSeconds(5).toNanos());
        runs.get(0).complete("up");
        // the period counts from the end of the run
        now.addAndGet(Duration.ofSeconds(29).toNanos());
        for (int i = 0; i < 20; i++) {
            assertThat(p.get().get(1, TimeUnit.SECONDS)).isEqualTo("up");
        }
        assertThat(runs).hasSize(1);
        assertThat(first.get(1, TimeUnit.SECONDS)).isEqualTo("up");

        now.addAndGet(Duration.ofSeconds(1).toNanos());
        CompletableFuture<String> second = p.get();
        assertThat(runs).hasSize(2);
        assertThat(second).isNotDone();
        CompletableFuture<String> third = p.get();
        assertThat(runs).as("still running: shared").hasSize(2);
        runs.get(1).complete("down");
        assertThat(third.get(1, TimeUnit.SECONDS)).isEqualTo("down");
        assertThat(p.get().get(1, TimeUnit.SECONDS)).isEqualTo("down");
        assertThat(runs).hasSize(2);
    }

    @Test
    void periodZeroRunsAgainOnceARunEnded() throws Exception {
        SharedProbe<String> p = probe(Duration.ZERO);
        CompletableFuture<String> a = p.get();
        CompletableFuture<String> b = p.get();
        assertThat(runs).as("still running: shared").hasSize(1);
        runs.get(0).complete("up");
        assertThat(a.get(1, TimeUnit.SECONDS)).isEqualTo("up");
        assertThat(b.get(1, TimeUnit.SECONDS)).isEqualTo("up");
        p.get();
        assertThat(runs).hasSize(2);
    }

    @Test
    void aProbeThatThrowsFailsItsRunAndTheNextPeriodRetries() {
        AtomicLong calls = new AtomicLong();
        SharedProbe<String> p = new SharedProbe<>(() -> {
            calls.incrementAndGet();
            throw new IllegalStateException("boom");
        }, Duration.ofSeconds(1), now::get);
        assertThat(p.get()).isCompletedExceptionally();
        assertThat(p.get()).isCompletedExceptionally();
        assertThat(calls.get()).isEqualTo(1);
        now.addAndGet(Duration.ofSeconds(2).toNanos());
        p.get();
        assertThat(calls.get()).isEqualTo(2);
    }
}
