package io.kvconfig.runtime.health;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * A probe run at most once per period: callers while it runs share the run in flight, callers within {@code period}
 * after it finished get its result, and the first caller after that starts the next run. The probe's future must
 * not fail (map errors to a result).
 * <p>
 * Each caller gets its own copy of the shared result: a caller that goes away (a health request whose client hung up
 * cancels its Uni, and Mutiny cancels the future under it) cancels only its copy, never the run the others wait for.
 */
final class SharedProbe<T> {

    private final Supplier<CompletableFuture<T>> probe;
    private final Duration period;
    private final long periodNanos;
    private final LongSupplier nanoClock;
    private final AtomicReference<Run<T>> current = new AtomicReference<>();

    private static final class Run<T> {
        final CompletableFuture<T> result = new CompletableFuture<>();
        /** Set before {@link #result} completes, so a caller that sees it done sees the time. */
        volatile long finishedAt;
    }

    SharedProbe(Supplier<CompletableFuture<T>> probe, Duration period, LongSupplier nanoClock) {
        this.probe = probe;
        this.period = period;
        this.periodNanos = period.toNanos();
        this.nanoClock = nanoClock;
    }

    Duration period() {
        return period;
    }

    CompletableFuture<T> get() {
        while (true) {
            Run<T> run = current.get();
            if (run != null && (!run.result.isDone() || nanoClock.getAsLong() - run.finishedAt < periodNanos)) {
                return run.result.copy();
            }
            Run<T> next = new Run<>();
            if (current.compareAndSet(run, next)) {
                start(next);
                return next.result.copy();
            }
            // another caller started a run first: share it
        }
    }

    private void start(Run<T> run) {
        CompletableFuture<T> f;
        try {
            f = probe.get();
        } catch (RuntimeException e) {
            f = CompletableFuture.failedFuture(e);
        }
        f.whenComplete((value, error) -> {
            run.finishedAt = nanoClock.getAsLong();
            if (error != null) {
                run.result.completeExceptionally(error);
            } else {
                run.result.complete(value);
            }
        });
    }
}
