package io.kvconfig.devvault;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Faults and latency on demand. Latency applies to every request on the HTTPS port; it is waited out on a timer, so
 * concurrent requests (e.g. a burst of HTTP/2 streams) each wait one latency, in parallel. Throttling, failures and
 * dropped connections apply to authenticated data-plane (secrets) requests that passed the firewall, so that the
 * 401 challenge round and ARM calls do not consume them. Order when several are armed: drop, fail, throttle.
 */
public final class Faults {
    /** What to do with one request. */
    sealed interface Action permits Pass, Drop, Fail, Throttle {
    }

    record Pass() implements Action {
    }

    record Drop() implements Action {
    }

    record Fail(int status) implements Action {
    }

    /** retryAfterSeconds null: the answer carries no Retry-After header (Key Vault sends such 429s too). */
    record Throttle(Integer retryAfterSeconds, boolean serviceLimit) implements Action {
    }

    private static final Pass PASS = new Pass();

    /** Key Vault's published limit: secrets transactions per vault (and region) in {@link #SERVICE_LIMIT_WINDOW}. */
    public static final int SERVICE_LIMIT_TRANSACTIONS = 4_000;
    public static final Duration SERVICE_LIMIT_WINDOW = Duration.ofSeconds(10);

    private volatile long minLatencyNanos;
    private volatile long maxLatencyNanos;
    private int dropRemaining;
    private int failRemaining;
    private int failStatus = 503;
    private int throttleRemaining;
    private Integer throttleRetryAfter = 1;
    private int rateLimit;
    private long rateWindowNanos;
    private Integer rateRetryAfter = 1;
    private final Deque<Long> recent = new ArrayDeque<>();
    private int serviceLimit;
    private long serviceWindowNanos;
    private final Deque<Long> served = new ArrayDeque<>();
    private Duration idleTimeout = Duration.ZERO;
    private boolean idleGoAway;
    private Connections connections;

    /** The HTTPS port's open connections, attached at start. */
    interface Connections {
        int closeIdle(boolean goAway);

        void idleTimeout(Duration timeout, boolean goAway);
    }

    Faults() {
    }

    synchronized void attach(Connections c) {
        this.connections = c;
        c.idleTimeout(idleTimeout, idleGoAway);
    }

    /**
     * Closes, now, every HTTPS connection that has no request in flight, as Azure's front ends drop idle connections
     * without notice; a pooled client must open a new one for its next call. goAway true: an HTTP/2 connection gets a
     * GOAWAY frame before the close (HTTP/1.1 ones are just closed); false: the TCP connection is closed with no
     * GOAWAY and no TLS close_notify. Each closed connection is journaled as {@code IdleConnectionClosed}. Returns how
     * many were closed (0 before start).
     */
    public synchronized int closeIdleConnections(boolean goAway) {
        return connections == null ? 0 : connections.closeIdle(goAway);
    }

    /**
     * From now on, closes every HTTPS connection that stays idle (no request in flight) for {@code timeout}, checked
     * a few times per timeout; {@link Duration#ZERO} turns it off (default). goAway as in
     * {@link #closeIdleConnections(boolean)}.
     */
    public synchronized Faults idleConnectionTimeout(Duration timeout, boolean goAway) {
        if (timeout == null || timeout.isNegative()) {
            throw new IllegalArgumentException("timeout must not be negative");
        }
        this.idleTimeout = timeout;
        this.idleGoAway = goAway;
        if (connections != null) {
            connections.idleTimeout(timeout, goAway);
        }
        return this;
    }

    /** Fixed added latency for every request (zero to turn it off). */
    public Faults latency(Duration latency) {
        return randomLatency(latency, latency);
    }

    /** Uniformly random added latency between min and max for every request. */
    public Faults randomLatency(Duration min, Duration max) {
        if (min.isNegative() || max.compareTo(min) < 0) {
            throw new IllegalArgumentException("latency range must satisfy 0 <= min <= max");
        }
        this.minLatencyNanos = min.toNanos();
        this.maxLatencyNanos = max.toNanos();
        return this;
    }

    /** The next n data-plane requests get HTTP 429 with {@code Retry-After: retryAfterSeconds}. */
    public synchronized Faults throttleNext(int n, int retryAfterSeconds) {
        this.throttleRemaining = requireNonNegative(n);
        this.throttleRetryAfter = requireNonNegative(retryAfterSeconds);
        return this;
    }

    /**
     * The next n data-plane requests get HTTP 429 without a {@code Retry-After} header, as Key Vault sometimes answers
     * (body code {@code Throttled}, "... Reason: VaultRequestTypeLimitReached"): the client must back off on its own.
     */
    public synchronized Faults throttleNextWithoutRetryAfter(int n) {
        this.throttleRemaining = requireNonNegative(n);
        this.throttleRetryAfter = null;
        return this;
    }

    /** Data-plane requests above maxRequests within any sliding window get HTTP 429 (0 turns it off). */
    public synchronized Faults throttleAbove(int maxRequests, Duration window, int retryAfterSeconds) {
        return rate(maxRequests, window, requireNonNegative(retryAfterSeconds));
    }

    /** As {@link #throttleAbove}, but the 429 answers carry no {@code Retry-After} header. */
    public synchronized Faults throttleAboveWithoutRetryAfter(int maxRequests, Duration window) {
        return rate(maxRequests, window, null);
    }

    private Faults rate(int maxRequests, Duration window, Integer retryAfter) {
        if (window == null || window.isNegative() || (maxRequests > 0 && window.isZero())) {
            throw new IllegalArgumentException("window must be positive");
        }
        this.rateLimit = requireNonNegative(maxRequests);
        this.rateWindowNanos = window.toNanos();
        this.rateRetryAfter = retryAfter;
        recent.clear();
        return this;
    }

    /** The next n data-plane requests get this 5xx status with the service's error body. */
    public synchronized Faults failNext(int n, int status) {
        if (status < 500 || status > 599) {
            throw new IllegalArgumentException("status must be a 5xx code");
        }
        this.failRemaining = requireNonNegative(n);
        this.failStatus = status;
        return this;
    }

    /**
     * The next n data-plane requests get no answer: over HTTP/1.1 their connection is closed, over HTTP/2 their stream
     * is reset (the other requests on that connection go on). Either way the client sees an I/O error.
     */
    public synchronized Faults dropNext(int n) {
        this.dropRemaining = requireNonNegative(n);
        return this;
    }

    /**
     * Enforces Key Vault's service limit: {@value #SERVICE_LIMIT_TRANSACTIONS} secrets transactions per 10 s per
     * vault, one budget shared by every client, as the real service does; a request beyond it gets {@code 429} with
     * body code {@code Throttled} and a {@code Retry-After} of the seconds until the window has room again. Each such
     * answer is journaled as {@code Throttled} and {@code ServiceLimitReached}. Off by default: tests and benchmarks
     * may go beyond one real vault's budget; a fleet simulation turns it on. Not cleared by {@link #clear()}.
     */
    public Faults enforceServiceLimits() {
        return enforceServiceLimits(SERVICE_LIMIT_TRANSACTIONS, SERVICE_LIMIT_WINDOW);
    }

    /** As {@link #enforceServiceLimits()} with another budget (e.g. a small one in a test): transactions per window. */
    public synchronized Faults enforceServiceLimits(int transactions, Duration window) {
        if (transactions < 1 || window == null || window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("the service limit needs a positive number of transactions and window");
        }
        this.serviceLimit = transactions;
        this.serviceWindowNanos = window.toNanos();
        served.clear();
        return this;
    }

    /** Stops enforcing the service limit. */
    public synchronized Faults stopEnforcingServiceLimits() {
        serviceLimit = 0;
        served.clear();
        return this;
    }

    /** The enforced budget (transactions per {@link #serviceLimitWindow()}), 0 when the limit is off. */
    public synchronized int serviceLimit() {
        return serviceLimit;
    }

    public synchronized Duration serviceLimitWindow() {
        return Duration.ofNanos(serviceWindowNanos);
    }

    /** Turns every fault and the latency off (the service limit mode stays as it is). */
    public synchronized Faults clear() {
        dropRemaining = 0;
        failRemaining = 0;
        throttleRemaining = 0;
        rateLimit = 0;
        recent.clear();
        idleConnectionTimeout(Duration.ZERO, false);
        minLatencyNanos = 0;
        maxLatencyNanos = 0;
        return this;
    }

    /** The latency to add to the next request, in nanoseconds (0 = none); waited out without holding a thread. */
    long nextLatencyNanos() {
        long min = minLatencyNanos;
        long max = maxLatencyNanos;
        return max > min ? ThreadLocalRandom.current().nextLong(min, max + 1) : min;
    }

    synchronized Action next() {
        if (dropRemaining > 0) {
            dropRemaining--;
            return new Drop();
        }
        if (failRemaining > 0) {
            failRemaining--;
            return new Fail(failStatus);
        }
        if (throttleRemaining > 0) {
            throttleRemaining--;
            return new Throttle(throttleRetryAfter, false);
        }
        if (rateLimit > 0) {
            long now = System.nanoTime();
            while (!recent.isEmpty() && now - recent.peekFirst() >= rateWindowNanos) {
                recent.removeFirst();
            }
            if (recent.size() >= rateLimit) {
                return new Throttle(rateRetryAfter, false);
            }
            recent.addLast(now);
        }
        if (serviceLimit > 0) {
            long now = System.nanoTime();
            while (!served.isEmpty() && now - served.peekFirst() >= serviceWindowNanos) {
                served.removeFirst();
            }
            if (served.size() >= serviceLimit) {
                long waitNanos = served.peekFirst() + serviceWindowNanos - now;
                int seconds = (int) Math.max(1, (waitNanos + 999_999_999L) / 1_000_000_000L);
                return new Throttle(seconds, true);
            }
            served.addLast(now);
        }
        return PASS;
    }

    private static int requireNonNegative(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("must not be negative: " + n);
        }
        return n;
    }
}
