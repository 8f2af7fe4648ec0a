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
 * bounds the requests in flight (a window) and, once the vault answered 429 with Retry-After, stays closed until one
 * "not before" instant: one wait for the vault, not one per request.
 * <ul>
 * <li>The window starts at {@code initial} ({@code initial-parallelism}) and grows by one per round trip (one per
 * window's worth of answers) while the vault never throttled, up to {@code max} ({@code parallelism}): replicas of a
 * fleet that start at once reach the vault in small rounds and learn of its limit before they sent everything.</li>
 * <li>After a 429 the window is 1 for the rest of the batch, and the door opens at Retry-After plus a random jitter
 * of up to {@code jitter}, drawn once per closing (every replica of a fleet gets the same whole-second Retry-After;
 * the jitter spreads their return).</li>
 * </ul>
 * A batch that is never throttled never waits here beyond its window. Thread-safe; waiters are served in arrival
 * order.
 */
final class ThrottleGate {

    /** Requests in flight per vault for the rest of a batch once the vault answered 429. */
    static final int AFTER_THROTTLE = 1;

    private static final int WAITING = 0, GRANTED = 1, GONE = 2;

    private final int max;
    private final long jitterNanos;
    private final LongSupplier clock;
    private final Scheduler timer;
    private final Deque<Waiter> waiters = new ArrayDeque<>();
    private int window;
    /** Answers counted toward the next widening (one per window's worth). */
    private int answersTowardNext;
    private int inFlight;
    private long notBefore;
    private boolean closed;
    private boolean throttled;
    private int closings;
    private Classified closedBy;
    private Disposable wakeUp;

    ThrottleGate(int initial, int max, Duration jitter) {
        this(initial, max, jitter, System::nanoTime, Schedulers.parallel());
    }

    ThrottleGate(int initial, int max, Duration jitter, LongSupplier clock, Scheduler timer) {
        if (max < 1 || initial < 1) {
            throw new IllegalArgumentException("windows must be at least 1: initial " + initial + ", max " + max);
        }
        this.max = max;
        this.window = Math.min(initial, max);
        this.jitterNanos = jitter.toNanos();
        this.clock = clock;
        this.timer = timer;
    }

    /**
     * Completes (on the thread that frees the slot or opens the door) when a slot is free and the door is open; the
     * caller then holds a slot until {@link #release}. Cancelling before that gives up the place in the queue.
     */
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

    /** A request that held a slot is done. {@code answered}: the vault answered it (anything but 429 or no answer). */
    void release(boolean answered) {
        synchronized (this) {
            inFlight--;
            if (answered && !throttled && window < max && ++answersTowardNext >= window) {
                answersTowardNext = 0;
                window++;
            }
        }
        drain();
    }

    /**
     * The vault answered 429 with this Retry-After: the door stays closed until then (plus the jitter, but never past
     * {@code latest} for the jitter's part) unless it already is until later, and the window becomes
     * {@link #AFTER_THROTTLE}. Call it before releasing the throttled request's slot.
     *
     * @return the instant ({@code clock} scale) the door opens
     */
    long throttled(Classified answer, Duration retryAfter, long latest) {
        long now = clock.getAsLong();
        synchronized (this) {
            narrowLocked(answer);
            if (!closed) {
                closings++;
            }
            long at = now + retryAfter.toNanos();
            if (!closed || at - notBefore > 0) {
                long jitter = jitterNanos <= 0 ? 0 : ThreadLocalRandom.current().nextLong(jitterNanos + 1);
                long opens = Math.max(at, Math.min(at + jitter, latest));
                if (!closed || opens - notBefore > 0) {
                    notBefore = opens;
                }
                closed = true;
                scheduleWakeUp(now);
            }
            return notBefore;
        }
    }

    /** A 429 without Retry-After: no door to close (each request keeps its own backoff), but the window narrows. */
    synchronized void narrow(Classified answer) {
        narrowLocked(answer);
    }

    private void narrowLocked(Classified answer) {
        closedBy = answer;
        throttled = true;
        window = AFTER_THROTTLE;
    }

    /** The instant ({@code clock} scale) the door opens, or {@code 0} when it is open. */
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

    synchronized int inFlight() {
        return inFlight;
    }

    /** How many times the door closed (a 429 while it was open). */
    synchronized int closings() {
        return closings;
    }

    /** Lets waiters through if the door is open and slots are free (also run by the timer when the door opens). */
    void drain() {
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
        // outside the lock: each caller sends its request on this thread
        for (Waiter w : granted) {
            w.sink.success();
        }
    }

    private void scheduleWakeUp(long now) {
        if (wakeUp != null) {
            wakeUp.dispose();
        }
        wakeUp = timer.schedule(this::drain, Math.max(0, notBefore - now), TimeUnit.NANOSECONDS);
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
