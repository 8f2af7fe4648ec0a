package io.kvconfig.runtime.vault;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

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

    @Override
    public Mono<HttpResponse> send(HttpRequest request, Context context) {
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
                        Future<HttpResponse> read = req.response().compose(resp -> read(request, resp));
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
