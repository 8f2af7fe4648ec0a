package io.kvconfig.runtime.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.jboss.logging.Logger;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeader;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.BinaryData;
import com.azure.core.util.Context;
import com.azure.core.util.CoreUtils;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.netty.handler.codec.http2.Http2Error;
import io.netty.handler.codec.http2.Http2Exception;
import io.vertx.core.http.StreamResetException;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The azure-core transport of this project: an SDK {@link HttpClient} over Vert.x HTTP clients, so the SDK's
 * clients (secrets, credential, Resource Manager) keep their pipelines while HTTPS requests go over HTTP/2 when the
 * server offers it (ALPN; HTTP/1.1 otherwise). Plain-HTTP requests (IMDS and App Service identity endpoints) use an
 * HTTP/1.1 client: an HTTP/2 client would try an h2c upgrade and hold its one connection while upgrading.
 * <p>
 * Every answer here is small JSON (a secret is at most 25 KB), so responses are read whole, up to
 * {@link #MAX_RESPONSE_BYTES}, before the SDK sees them: nothing to stream, nothing to release, and a response can be
 * read any number of times.
 * <p>
 * Why not the SDK's own Vert.x adapter (azure-core-http-vertx 1.1.4): its {@code HttpResponse.close()} closes the
 * underlying connection through {@code netSocket()}, so the Key Vault challenge (whose 401 the SDK closes) cost a
 * connection on HTTP/2 and failed with a NoSuchElementException on HTTP/1.1. Its JDK adapter pins HTTP/1.1.
 */
final class BufferedVertxHttpClient implements HttpClient {

    private static final Logger LOG = Logger.getLogger(BufferedVertxHttpClient.class);

    /** Larger answers are refused: none of the APIs used here comes near it. */
    static final int MAX_RESPONSE_BYTES = 8 * 1024 * 1024;

    private final io.vertx.core.http.HttpClient https;
    private final io.vertx.core.http.HttpClient plain;
    private final long idleTimeoutMillis;

    /**
     * @param https client for https URLs (HTTP/2 with ALPN)
     * @param plain client for http URLs (HTTP/1.1)
     */
    BufferedVertxHttpClient(io.vertx.core.http.HttpClient https, io.vertx.core.http.HttpClient plain, Duration idleTimeout) {
        this.https = https;
        this.plain = plain;
        this.idleTimeoutMillis = idleTimeout.toMillis();
    }

    @Override
    public Mono<HttpResponse> send(HttpRequest request) {
        return send(request, Context.NONE);
    }

    /**
     * One call, sent again once when the server never processed it: the pooled connection it went to had been
     * dropped (Key Vault's front ends close idle HTTP/2 connections, with or without a GOAWAY, without notice), so
     * the request never reached the server, and a new connection is opened for the second try. Only failures before
     * any answer count, and a plain connection close only for methods without side effects (a refused HTTP/2 stream
     * is never processed, whatever its method). The process-wide clients live as long as the app: their next call
     * after a long idle time must not fail for it.
     */
    @Override
    public Mono<HttpResponse> send(HttpRequest request, Context context) {
        return Mono.defer(() -> {
            AtomicBoolean answered = new AtomicBoolean();
            return exchange(request, answered)
                    .onErrorResume(e -> !answered.get() && neverProcessed(e, request.getHttpMethod()), e -> {
                        LOG.debugf("%s %s: the connection was gone (%s); sending it once more on a new connection",
                                request.getHttpMethod(), request.getUrl().getPath(), e.toString());
                        return exchange(request, new AtomicBoolean());
                    });
        });
    }

    /**
     * A failure that says the server never processed the request (see {@link #send(HttpRequest, Context)}): a refused
     * or never created HTTP/2 stream (any method), or, for GET and HEAD, the connection failing under the request.
     * Not a connection that could not be opened (refused, DNS, TLS handshake): a new one would fail the same way, and
     * the caller's backoff handles those.
     */
    static boolean neverProcessed(Throwable error, com.azure.core.http.HttpMethod method) {
        boolean safe = method == com.azure.core.http.HttpMethod.GET || method == com.azure.core.http.HttpMethod.HEAD;
        boolean connectionLost = false;
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.net.ConnectException || t instanceof java.net.UnknownHostException
                    || t instanceof javax.net.ssl.SSLHandshakeException || t instanceof java.security.GeneralSecurityException
                    || t instanceof java.util.concurrent.TimeoutException) {
                return false;
            }
            if (t instanceof Http2Exception h && (h.error() == Http2Error.REFUSED_STREAM
                    || t instanceof Http2Exception.StreamException || String.valueOf(h.getMessage()).contains("GOAWAY")
                    || String.valueOf(h.getMessage()).contains("after connection was closed"))) {
                // the stream was refused, or never created on a connection that was gone ("Attempted to create
                // stream id N after connection was closed")
                return true;
            }
            if (t instanceof StreamResetException r && r.getCode() == Http2Error.REFUSED_STREAM.code()) {
                return true;
            }
            connectionLost |= t instanceof HttpClosedException || t instanceof IOException || t instanceof Http2Exception;
        }
        return safe && connectionLost;
    }

    private Mono<HttpResponse> exchange(HttpRequest request, AtomicBoolean answered) {
        return Mono.defer(() -> {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.valueOf(request.getHttpMethod().name()))
                    .setAbsoluteURI(request.getUrl())
                    .setIdleTimeout(idleTimeoutMillis);
            for (HttpHeader h : request.getHeaders()) {
                for (String v : h.getValuesList()) {
                    options.addHeader(h.getName(), v);
                }
            }
            BinaryData body = request.getBodyAsBinaryData();
            // request bodies here are serialized JSON held in memory (SetSecret, the vault PATCH)
            Buffer payload = body == null ? null : Buffer.buffer(body.toBytes());
            io.vertx.core.http.HttpClient client = "https".equalsIgnoreCase(request.getUrl().getProtocol()) ? https : plain;
            AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
            Future<HttpResponse> answer = client.request(options)
                    .compose(req -> {
                        sent.set(req);
                        // the reader is attached to the response future before the request goes out (what
                        // send(handler) does; the Future send() ends the request first): a small answer can then
                        // never complete that future, and end, while no listener is there to take its body
                        Future<HttpResponse> read = req.response().compose(resp -> {
                            answered.set(true);
                            return read(request, resp);
                        });
                        if (payload == null) {
                            req.end();
                        } else {
                            req.end(payload);
                        }
                        return read;
                    });
            // a call cancelled before its answer (the resolver's deadline, a caller's timeout) resets its stream
            // instead of leaving the request running on the server; a cancel after the answer (operators that
            // cancel upstream once they have their value) must not touch the request: over HTTP/1.1 its
            // connection is back in the pool, serving someone else
            return Mono.fromCompletionStage(answer.toCompletionStage())
                    // the SDK's work on the answer (policies, JSON, models) off the event loop: one HTTP/2
                    // connection is one event-loop thread, which would otherwise run every response of a batch
                    .publishOn(Schedulers.parallel())
                    .doOnCancel(() -> {
                        HttpClientRequest req = sent.get();
                        if (req != null && !answer.isComplete()) {
                            req.reset();
                        }
                    });
        });
    }

    /** The whole body, refused past the bound whether or not the server announced its length. */
    private static Future<HttpResponse> read(HttpRequest request, HttpClientResponse resp) {
        Promise<HttpResponse> done = Promise.promise();
        Buffer body = Buffer.buffer();
        resp.handler(chunk -> {
            if (body.length() + chunk.length() > MAX_RESPONSE_BYTES) {
                if (done.tryFail(new IOException("response from " + request.getUrl().getHost() + " exceeds "
                        + MAX_RESPONSE_BYTES + " bytes"))) {
                    resp.request().reset();
                }
                return;
            }
            body.appendBuffer(chunk);
        });
        resp.exceptionHandler(done::tryFail);
        resp.endHandler(v -> done.tryComplete(new Buffered(request, resp.statusCode(), headers(resp.headers()), body.getBytes())));
        return done.future();
    }

    private static HttpHeaders headers(MultiMap vertxHeaders) {
        HttpHeaders headers = new HttpHeaders();
        for (String name : vertxHeaders.names()) {
            headers.set(HttpHeaderName.fromString(name), vertxHeaders.getAll(name));
        }
        return headers;
    }

    /** A response read whole: re-readable, nothing to close. */
    static final class Buffered extends HttpResponse {
        private final int status;
        private final HttpHeaders headers;
        private final byte[] body;

        Buffered(HttpRequest request, int status, HttpHeaders headers, byte[] body) {
            super(request);
            this.status = status;
            this.headers = headers;
            this.body = body;
        }

        @Override
        public int getStatusCode() {
            return status;
        }

        @Override
        @Deprecated
        public String getHeaderValue(String name) {
            return headers.getValue(HttpHeaderName.fromString(name));
        }

        @Override
        public String getHeaderValue(HttpHeaderName name) {
            return headers.getValue(name);
        }

        @Override
        public HttpHeaders getHeaders() {
            return headers;
        }

        @Override
        public Flux<ByteBuffer> getBody() {
            return Flux.defer(() -> Flux.just(ByteBuffer.wrap(body).asReadOnlyBuffer()));
        }

        @Override
        public BinaryData getBodyAsBinaryData() {
            return BinaryData.fromBytes(body);
        }

        @Override
        public Mono<byte[]> getBodyAsByteArray() {
            return Mono.just(body);
        }

        @Override
        public Mono<String> getBodyAsString() {
            return Mono.fromSupplier(() -> CoreUtils.bomAwareToString(body, headers.getValue(HttpHeaderName.CONTENT_TYPE)));
        }

        @Override
        public Mono<String> getBodyAsString(Charset charset) {
            return Mono.fromSupplier(() -> new String(body, charset));
        }

        @Override
        public HttpResponse buffer() {
            return this;
        }

        @Override
        public void close() {
            // nothing held: the body was read whole and the connection went back to its pool
        }
    }
}
