package io.kvconfig.runtime.resolve;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * One vault's door during one batch: every request to that vault (first attempts and retries alike) passes it. It
 * bounds the requests in flight (a window) and, once the vault answered 429 with Retry-After, keeps everything
 * closed until one "not before" instant: one wait for the vault, not one per request, so the batch's requests come
 * back together after it instead of each on its own clock.
 * <ul>
 * <li>The window starts at {@code initial} and grows by one per answered request while the vault never throttled
 * (doubling per round trip, up to {@code max}, the configured parallelism): a fleet that starts at once reaches the
 * vault in small rounds and learns of the limit before it sent everything.</li>
 * <li>After a 429 the window narrows to {@code narrowed} for the rest of the batch, and the door opens at
 * Retry-After plus a random jitter of up to {@code jitter} (every replica of a fleet gets the same whole-second
 * Retry-After; the jitter spreads their return). A batch that is never throttled never waits here beyond its
 * window.</li>
 * </ul>
 * Thread-safe; waiters are served in arrival order. Counts only what passed, never a value.
 */
final class ThrottleGate {

    /** A waiter's state: waiting, granted (holds a slot until released) or gone (cancelled before being granted). */
    private static final int WAITING = 0, GRANTED = 1, GONE = 2;

    private final int max;
    private final int narrowed;
    private final long jitterNanos;
    private final LongSupplier clock;
    private final Scheduler timer;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private int window;
    private int inFlight;
    private long notBefore;
    private boolean closed;
    private boolean throttled;
    private Disposable wakeUp;
    private int throttleRounds;
    private Classified closedBy;

    ThrottleGate(int initial, int max, int narrowed, Duration jitter) {
        this(initial, max, narrowed, jitter, System::nanoTime, Schedulers.parallel());
    }

    ThrottleGate(int initial, int max, int narrowed, Duration jitter, LongSupplier clock, Scheduler timer) {
        if (max < 1 || initial < 1 || narrowed < 1) {
            throw new IllegalArgumentException("windows must be at least 1: initial " + initial + ", max " + max
                    + ", narrowed " + narrowed);
        }
        this.max = max;
        this.window = Math.min(initial, max);
        this.narrowed = Math.min(narrowed, max);
        this.jitterNanos = jitter.toNanos();
        this.clock = clock;
        this.timer = timer;
    }

    /** Completes (on some thread) when a slot is free and the door is open; the caller must {@link #release()} it. */
    Mono<Void> acquire() {
        return Mono.create(sink -> {
            Waiter w = new Waiter(sink);
            sink.onDispose(w::dispose);
            synchronized (this) {
                waiters.addLast(w);
            }
            drain();
        });
    }

    /** A request that held a slot is done. {@code answered}: the vault answered it without throttling. */
    void release(boolean answered) {
        synchronized (this) {
            inFlight--;
            if (answered && !throttled && window < max) {
                window++;
            }
        }
        drain();
    }

    /**
     * The vault answered 429 with this Retry-After: keep the door closed until then (plus this gate's jitter, never
     * past {@code latest}) unless it already is until later, and narrow the window.
     *
     * @return the instant ({@link System#nanoTime()} scale) the door opens
     */
    long throttled(Classified answer, Duration retryAfter, long latest) {
        long now = clock.getAsLong();
        long at = now + retryAfter.toNanos();
        synchronized (this) {
            closedBy = answer;
            throttled = true;
            window = Math.min(window, narrowed);
            if (!closed || at > notBefore) {
                if (!closed) {
                    throttleRounds++;
                }
                // one draw per closing: the replica's requests come back together, replicas spread over the jitter
                long jitter = jitterNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterNanos + 1);
                notBefore = Math.max(at, Math.min(at + jitter, latest));
                closed = true;
                scheduleWakeUp(now);
            }
            return notBefore;
        }
    }

    /** A 429 without Retry-After: no door to close (each request keeps its own backoff), but the window narrows. */
    synchronized void narrow(Classified answer) {
        closedBy = answer;
        throttled = true;
        window = Math.min(window, narrowed);
    }

    /** The instant the door opens, or {@code 0} when it is open. */
    synchronized long closedUntil() {
        return closed && notBefore - clock.getAsLong() > 0 ? notBefore : 0;
    }

    /** The last 429 this gate saw (null if none): the reason of a request that the deadline kept from being sent. */
    synchronized Classified closedBy() {
        return closedBy;
    }

    synchronized int window() {
        return window;
    }

    /** How many times the door closed (a 429 while it was open). */
    synchronized int throttleRounds() {
        return throttleRounds;
    }

    private void scheduleWakeUp(long now) {
        if (wakeUp != null) {
            wakeUp.dispose();
        }
        wakeUp = timer.schedule(this::drain, Math.max(0, notBefore - now), TimeUnit.NANOSECONDS);
    }

    private void drain() {
        List<Waiter> granted = new ArrayList<>();
        synchronized (this) {
            if (closed && notBefore - clock.getAsLong() > 0) {
                return;
            }
            closed = false;
            while (inFlight < window && !waiters.isEmpty()) {
                Waiter w = waiters.pollFirst();
                if (w.state.compareAndSet(WAITING, GRANTED)) {
                    inFlight++;
                    granted.add(w);
                }
            }
        }
        // outside the lock: the caller sends its request on this thread
        for (Waiter w : granted) {
            w.sink.success();
        }
    }

    private final class Waiter {
        final MonoSink<Void> sink;
        final AtomicInteger state = new AtomicInteger(WAITING);

        Waiter(MonoSink<Void> sink) {
            this.sink = sink;
        }

        void dispose() {
            if (state.compareAndSet(WAITING, GONE)) {
                synchronized (ThrottleGate.this) {
                    waiters.remove(this);
                }
            }
        }
    }
}
