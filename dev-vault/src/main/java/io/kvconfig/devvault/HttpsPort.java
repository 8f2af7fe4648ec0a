package io.kvconfig.devvault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

import javax.net.ssl.KeyManagerFactory;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.Http2Settings;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.KeyCertOptions;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The HTTPS port on Vert.x: TLS with ALPN {@code h2} and {@code http/1.1}, as Azure Key Vault serves it, so that a
 * client's burst of requests multiplexes over one connection. The handlers are blocking code (Jackson, file
 * persistence, locks), so they never run on the event loop: it only collects the body and waits out the configured
 * latency (a timer, so a burst of 100 streams waits one latency, not 100 worker threads), then hands over to a worker.
 */
final class HttpsPort implements AutoCloseable {
    private static final System.Logger LOG = DevVault.LOG;
    /** Well above the 100 parallel GETs of a startup batch, so none waits for a free stream. */
    static final int MAX_CONCURRENT_STREAMS = 250;
    private static final byte[] BUSY = ("{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The dev vault is"
            + " busy: too many requests are waiting. Please retry later.\"}}").getBytes(StandardCharsets.UTF_8);

    private final Vertx vertx;
    private final ThreadPoolExecutor workers;
    private final LongSupplier latencyNanos;
    private final Journal journal;
    private final Consumer<Exchange> handler;
    /** Open connections, with their requests in flight and last activity: to find and close idle ones. */
    private final Map<HttpConnection, Live> live = new ConcurrentHashMap<>();
    private volatile long idleTimeoutNanos;
    private volatile boolean idleGoAway;
    private long idleTimer = -1;
    private HttpServer server;

    /** One open connection: requests in flight and when the last one ended (or the connection opened). */
    private static final class Live {
        final AtomicInteger inFlight = new AtomicInteger();
        volatile long lastActiveNanos = System.nanoTime();
    }

    private HttpsPort(int threads, LongSupplier latencyNanos, Journal journal, Consumer<Exchange> handler) {
        this.latencyNanos = latencyNanos;
        this.journal = journal;
        this.handler = handler;
        // no CallerRunsPolicy: the caller is an event loop; a full queue gets a 503 (see dispatch)
        this.workers = pool("dev-vault-https", threads, new ThreadPoolExecutor.AbortPolicy());
        // Small and quiet: the dev vault also runs inside other JVMs (Quarkus dev service, tests). Daemon threads,
        // no file cache directory, no native transport; Vert.x's own worker pool is unused (handlers have ours).
        this.vertx = Vertx.vertx(new VertxOptions()
                .setEventLoopPoolSize(2)
                .setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1)
                .setPreferNativeTransport(false)
                .setUseDaemonThread(true)
                .setFileSystemOptions(new FileSystemOptions().setFileCachingEnabled(false)
                        .setClassPathResolvingEnabled(false)));
    }

    /** Binds host:port (0 = a free port) and serves until closed. */
    static HttpsPort start(String host, int port, KeyManagerFactory keys, boolean http2, int threads,
            LongSupplier latencyNanos, Journal journal, Consumer<Exchange> handler) throws IOException {
        HttpsPort p = new HttpsPort(threads, latencyNanos, journal, handler);
        try {
            p.listen(host, port, keys, http2);
            return p;
        } catch (IOException | RuntimeException e) {
            p.close();
            throw e;
        }
    }

    private void listen(String host, int port, KeyManagerFactory keys, boolean http2) throws IOException {
        HttpServerOptions options = new HttpServerOptions()
                .setHost(host)
                .setPort(port)
                .setSsl(true)
                .setKeyCertOptions(KeyCertOptions.wrap(keys))
                .setUseAlpn(true)
                .setAlpnVersions(http2 ? List.of(HttpVersion.HTTP_2, HttpVersion.HTTP_1_1) : List.of(HttpVersion.HTTP_1_1))
                .setInitialSettings(new Http2Settings().setMaxConcurrentStreams(MAX_CONCURRENT_STREAMS))
                // configured latency is the latency seen: no Nagle delay on small answers (Vert.x default, kept)
                .setTcpNoDelay(true)
                // curl sends Expect: 100-continue for larger bodies; the JDK server answered it too
                .setHandle100ContinueAutomatically(true)
                // the JDK server took long request lines and headers (e.g. nextLink skip tokens)
                .setMaxInitialLineLength(16 * 1024)
                .setMaxHeaderSize(64 * 1024)
                .setAcceptBacklog(256);
        server = vertx.createHttpServer(options)
                .connectionHandler(connection -> {
                    journal.connection();
                    live.put(connection, new Live());
                    connection.closeHandler(v -> live.remove(connection));
                    // a client closing or resetting mid-request is not the dev vault's problem: no error log
                    connection.exceptionHandler(e -> debug("connection", e));
                })
                // handshake failures (a client that does not trust the CA) were silent with the JDK server too
                .exceptionHandler(e -> debug("TLS", e))
                .requestHandler(this::onRequest);
        await(server.listen());
    }

    int port() {
        return server.actualPort();
    }

    /** On the event loop: collect the body, wait out the latency, then run the handler on a worker. */
    private void onRequest(HttpServerRequest request) {
        // in flight from arrival (latency included) until the answer is sent or the stream/connection goes away
        journal.requestStarted();
        Live conn = live.get(request.connection());
        if (conn != null) {
            conn.inFlight.incrementAndGet();
        }
        AtomicBoolean finished = new AtomicBoolean();
        Runnable finish = () -> {
            if (finished.compareAndSet(false, true)) {
                journal.requestFinished();
                if (conn != null) {
                    conn.lastActiveNanos = System.nanoTime();
                    conn.inFlight.decrementAndGet();
                }
            }
        };
        request.response().endHandler(v -> finish.run());
        request.response().closeHandler(v -> finish.run());
        VertxExchange exchange = new VertxExchange(request);
        exchange.collectBody(Request.MAX_BODY_BYTES + 1, () -> {
            long nanos = latencyNanos.getAsLong();
            if (nanos > 0) {
                // timers have millisecond resolution: round up so a configured latency is never shortened
                vertx.setTimer(Math.max(1, TimeUnit.NANOSECONDS.toMillis(nanos + 999_999)), t -> dispatch(exchange,
                        request));
            } else {
                dispatch(exchange, request);
            }
        });
    }

    private void dispatch(VertxExchange exchange, HttpServerRequest request) {
        if (request.response().closed()) {
            // the client cancelled (stream reset, connection closed) while the latency ran: like a server that saw
            // the reset first, do not act on it, so a cancelled call cannot change state or use up an armed fault
            return;
        }
        try {
            workers.execute(() -> handler.accept(exchange));
        } catch (RejectedExecutionException e) {
            // queue full (or closing): answer here, cheaply, rather than block the event loop
            request.response().setStatusCode(503).putHeader("Content-Type", "application/json; charset=utf-8")
                    .putHeader("Retry-After", "1").end(Buffer.buffer(BUSY));
        }
    }

    /**
     * Closes every open connection that has no request in flight, as Azure's front ends drop idle connections without
     * notice. goAway: HTTP/2 connections get a GOAWAY frame first (HTTP/1.1 ones are simply closed); otherwise the TCP
     * connection is closed under the TLS and HTTP/2 layers: no GOAWAY, no TLS close_notify. Returns how many it closed.
     */
    int closeIdleConnections(boolean goAway) {
        return closeIdle(goAway, 0);
    }

    /** Closes connections idle (no request in flight) for at least the timeout, checked on a timer; 0 turns it off. */
    synchronized void idleTimeout(Duration timeout, boolean goAway) {
        idleTimeoutNanos = timeout.toNanos();
        idleGoAway = goAway;
        if (idleTimer >= 0) {
            vertx.cancelTimer(idleTimer);
            idleTimer = -1;
        }
        if (idleTimeoutNanos > 0) {
            long period = Math.max(10, Math.min(1000, timeout.toMillis() / 4));
            idleTimer = vertx.setPeriodic(period, t -> closeIdle(idleGoAway, idleTimeoutNanos));
        }
    }

    private int closeIdle(boolean goAway, long idleForNanos) {
        int closed = 0;
        long now = System.nanoTime();
        for (Map.Entry<HttpConnection, Live> e : live.entrySet()) {
            Live l = e.getValue();
            if (l.inFlight.get() == 0 && now - l.lastActiveNanos >= idleForNanos && live.remove(e.getKey(), l)) {
                closed++;
                journal.outcome("IdleConnectionClosed");
                HttpConnection c = e.getKey();
                if (goAway || !(c instanceof ConnectionBase base)) {
                    // HTTP/2: GOAWAY (no error), then the close; HTTP/1.1: a plain close
                    c.close();
                } else {
                    // from the pipeline's first handler towards its head: past the HTTP/2 codec (which would send
                    // GOAWAY) and the SslHandler (close_notify), so the client just sees the TCP connection end
                    base.channel().pipeline().firstContext().close();
                }
            }
        }
        return closed;
    }

    /** A server's worker pool: daemon threads that end when idle (30 s), so nothing keeps a host JVM alive or busy. */
    static ThreadPoolExecutor pool(String name, int threads, RejectedExecutionHandler whenFull) {
        AtomicInteger n = new AtomicInteger();
        ThreadFactory tf = r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
        ThreadPoolExecutor p = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
                new ArrayBlockingQueue<>(4096), tf, whenFull);
        p.allowCoreThreadTimeOut(true);
        return p;
    }

    private static void debug(String what, Throwable e) {
        if (LOG.isLoggable(System.Logger.Level.DEBUG)) {
            LOG.log(System.Logger.Level.DEBUG, "Dev vault HTTPS " + what + " error: " + e.getClass().getName());
        }
    }

    /** Stops the server, its connections, the event loops and the workers; waits for Vert.x (up to 10 s). */
    @Override
    public void close() {
        workers.shutdownNow();
        Future<Void> closing = vertx.close();
        if (!Context.isOnVertxThread()) {
            try {
                await(closing);
            } catch (IOException e) {
                LOG.log(System.Logger.Level.DEBUG, "Dev vault HTTPS close: " + e.getClass().getName());
            }
        }
    }

    private static void await(Future<?> future) throws IOException {
        try {
            future.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        } catch (TimeoutException e) {
            throw new IOException("timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
