package io.kvconfig.devvault;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Thread-safe request journal. Each request is counted once under its REST operation name (GetSecret, SetSecret,
 * GetSecrets, GetSecretVersions, UpdateSecret, DeleteSecret, GetDeletedSecret, GetDeletedSecrets,
 * RecoverDeletedSecret, PurgeDeletedSecret, Token, VaultGet, VaultPut, VaultPatch, IpEcho, ...), except that an
 * unauthenticated data-plane request answered with the 401 challenge counts as "Challenge" only. Outcomes are
 * counted in addition: Throttled, InjectedFailure, DroppedConnection, ForbiddenByFirewall, ForbiddenByConnection,
 * Unauthorized, AuthorizationFailed, TokenRejected, BadRequest, and AuthorizationHeader (an HTTPS request that carried
 * an {@code Authorization} header, valid or not: zero proves no token was handed to this server). Also counts the TLS connections accepted on the
 * HTTPS port and the requests per protocol, to see whether a client multiplexes (HTTP/2) or opens a connection per
 * parallel request. The Event Grid topic's outbound requests ({@link EventGrid}) are counted as outcomes only
 * ({@code EventValidation}, {@code EventValidationFailed}, {@code EventDeliveryAttempt}, {@code EventDelivered},
 * {@code EventDeliveryFailed}), not in {@link #total()}. Never holds secret values.
 */
public final class Journal {
    /** One journal line: operation, HTTP method, path (no query) and status (0 = connection dropped). */
    public record Entry(long epochMillis, String operation, String method, String path, int status) {
    }

    private static final int MAX_ENTRIES = 10_000;
    private final Map<String, LongAdder> counts = new ConcurrentHashMap<>();
    private final LongAdder total = new LongAdder();
    private final LongAdder connections = new LongAdder();
    private final LongAdder http2Requests = new LongAdder();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final Deque<Entry> entries = new ArrayDeque<>();

    Journal() {
    }

    /** Requests counted under this operation or outcome name since start or the last reset. */
    public long count(String name) {
        LongAdder a = counts.get(name);
        return a == null ? 0 : a.sum();
    }

    /** All requests received (both servers), each counted once. */
    public long total() {
        return total.sum();
    }

    /**
     * TLS connections established (handshake done) on the HTTPS port since start or the last reset. An HTTP/2 client
     * sends all its requests over one; an HTTP/1.1 client needs one per request in flight.
     */
    public long connections() {
        return connections.sum();
    }

    /** Requests received over HTTP/2 (HTTPS port only), each counted once. */
    public long http2Requests() {
        return http2Requests.sum();
    }

    /**
     * The most HTTPS requests that were in flight at once since start or the last reset: from arrival (the configured
     * latency included) until the answer went out or the stream or connection closed. With a latency, shows how many
     * requests a client keeps open in parallel.
     */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    /** Requests received over HTTP/1.x (both servers): {@code total() - http2Requests()}. */
    public long http1Requests() {
        return total() - http2Requests();
    }

    public Map<String, Long> counts() {
        Map<String, Long> snapshot = new TreeMap<>();
        counts.forEach((k, v) -> snapshot.put(k, v.sum()));
        return snapshot;
    }

    /** The most recent requests (up to 10,000), oldest first. */
    public List<Entry> entries() {
        synchronized (entries) {
            return new ArrayList<>(entries);
        }
    }

    public void reset() {
        synchronized (entries) {
            counts.clear();
            total.reset();
            connections.reset();
            http2Requests.reset();
            maxInFlight.set(inFlight.get());
            entries.clear();
        }
    }

    void request(String operation, String method, String path, int status, boolean http2) {
        total.increment();
        if (http2) {
            http2Requests.increment();
        }
        increment(operation);
        synchronized (entries) {
            if (entries.size() == MAX_ENTRIES) {
                entries.removeFirst();
            }
            entries.addLast(new Entry(System.currentTimeMillis(), operation, method, path, status));
        }
    }

    void requestStarted() {
        int now = inFlight.incrementAndGet();
        maxInFlight.accumulateAndGet(now, Math::max);
    }

    void requestFinished() {
        inFlight.decrementAndGet();
    }

    void connection() {
        connections.increment();
    }

    void outcome(String name) {
        increment(name);
    }

    private void increment(String name) {
        counts.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    @Override
    public String toString() {
        return "Journal" + counts();
    }
}
