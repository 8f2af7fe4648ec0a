package io.kvconfig.runtime.vault;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.random.RandomGenerator;

/**
 * The one backoff policy of Key Vault calls: after the n-th failure wait {@code base * 2^(n-1)}, spread by
 * {@code +-jitter} (a fraction, so a burst of retries does not arrive together) and never longer than {@code cap};
 * a Retry-After the vault sent wins over all of that; a deadline ends the retrying when the wait would not end
 * before it. Pure: the caller sleeps or schedules. Used by the resolver's retries, the admin service's Key Vault
 * calls and the firewall's propagation poll.
 *
 * @param base the first wait
 * @param cap the longest computed wait (a Retry-After may be longer)
 * @param jitter 0 for none; 0.2 spreads each wait over [0.8, 1.2] of it (then capped)
 */
public record Backoff(Duration base, Duration cap, double jitter) {

    /** Transient failures of a secret read or write: 200 ms doubling to 5 s, +-20%. */
    public static final Backoff TRANSIENT = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2);
    /** 429 without Retry-After: start at 1 s. */
    public static final Backoff THROTTLED = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5), 0.2);
    /** The firewall propagation poll: 200 ms doubling to 5 s, no jitter (one poller per vault). */
    public static final Backoff PROPAGATION = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0);

    public Backoff {
        Objects.requireNonNull(base, "base");
        Objects.requireNonNull(cap, "cap");
        if (base.isNegative() || base.isZero() || cap.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < base <= cap, got base " + base + ", cap " + cap);
        }
        if (!(jitter >= 0 && jitter < 1)) {
            throw new IllegalArgumentException("backoff jitter must be in [0, 1), got " + jitter);
        }
    }

    /** The policy for this classified failure: {@link #THROTTLED} for 429, else {@link #TRANSIENT}. */
    public static Backoff forFailure(FailureKind kind) {
        return kind == FailureKind.THROTTLED ? THROTTLED : TRANSIENT;
    }

    /** The wait after the {@code failures}-th failed attempt (1 = the first); {@code retryAfter} (may be null) wins. */
    public Duration delay(int failures, Duration retryAfter) {
        return delay(failures, retryAfter, ThreadLocalRandom.current());
    }

    public Duration delay(int failures, Duration retryAfter, RandomGenerator random) {
        if (failures < 1) {
            throw new IllegalArgumentException("failures counts from 1, got " + failures);
        }
        if (retryAfter != null) {
            return retryAfter.isNegative() ? Duration.ZERO : retryAfter;
        }
        long capMs = cap.toMillis();
        // doubling stops at the cap (and well before a long overflows)
        long exp = Math.min(capMs, base.toMillis() << Math.min(failures - 1, 30));
        double spread = jitter == 0 ? 1 : 1 - jitter + 2 * jitter * random.nextDouble();
        return Duration.ofMillis(Math.max(1, Math.min(capMs, Math.round(exp * spread))));
    }

    /**
     * The wait before the next attempt, or empty when the deadline ends the retrying: nothing is left, or the wait
     * would not end before the deadline.
     */
    public Optional<Duration> next(int failures, Duration retryAfter, Duration remaining) {
        return next(failures, retryAfter, remaining, ThreadLocalRandom.current());
    }

    public Optional<Duration> next(int failures, Duration retryAfter, Duration remaining, RandomGenerator random) {
        if (remaining.isNegative() || remaining.isZero()) {
            return Optional.empty();
        }
        Duration d = delay(failures, retryAfter, random);
        return d.compareTo(remaining) >= 0 ? Optional.empty() : Optional.of(d);
    }
}
