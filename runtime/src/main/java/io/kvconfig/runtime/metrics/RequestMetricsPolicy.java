package io.kvconfig.runtime.metrics;

import java.util.concurrent.atomic.AtomicBoolean;

import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;

import reactor.core.publisher.Mono;

/**
 * Counts each request of a secrets client as sent ({@link KvConfigMetrics#REQUESTS}): placed after the SDK's
 * challenge/credential policy, it sees the unauthenticated first request (the 401 challenge) and every request with a
 * token. Operation from the method and path, never the secret name.
 */
public final class RequestMetricsPolicy implements HttpPipelinePolicy {

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        HttpRequest request = context.getHttpRequest();
        boolean authorized = request.getHeaders().getValue(HttpHeaderName.AUTHORIZATION) != null;
        String operation = operation(request, authorized);
        AtomicBoolean counted = new AtomicBoolean();
        return next.process()
                .doOnNext(r -> count(counted, operation, outcome(authorized, r.getStatusCode())))
                .doOnError(e -> count(counted, operation, KvConfigMetrics.ERROR))
                .doOnCancel(() -> count(counted, operation, KvConfigMetrics.CANCELLED));
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        HttpRequest request = context.getHttpRequest();
        boolean authorized = request.getHeaders().getValue(HttpHeaderName.AUTHORIZATION) != null;
        String operation = operation(request, authorized);
        try {
            HttpResponse r = next.processSync();
            KvConfigMetrics.request(operation, outcome(authorized, r.getStatusCode()));
            return r;
        } catch (RuntimeException e) {
            KvConfigMetrics.request(operation, KvConfigMetrics.ERROR);
            throw e;
        }
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    private static void count(AtomicBoolean counted, String operation, String outcome) {
        if (counted.compareAndSet(false, true)) {
            KvConfigMetrics.request(operation, outcome);
        }
    }

    /** The challenge's expected answer is 401 (with WWW-Authenticate): that is its success. */
    static String outcome(boolean authorized, int status) {
        return !authorized && status == 401 ? KvConfigMetrics.SUCCESS : KvConfigMetrics.outcome(status);
    }

    static String operation(HttpRequest request, boolean authorized) {
        if (!authorized) {
            return KvConfigMetrics.CHALLENGE;
        }
        // /secrets/{name}[/{version}] (a trailing slash when no version)
        String path = request.getUrl().getPath();
        String[] parts = path.replaceAll("^/+|/+$", "").split("/+");
        boolean oneSecret = parts.length >= 2 && parts.length <= 3 && parts[0].equals("secrets");
        HttpMethod m = request.getHttpMethod();
        if (oneSecret && m == HttpMethod.GET) {
            return KvConfigMetrics.GET_SECRET;
        }
        if (oneSecret && parts.length == 2 && m == HttpMethod.PUT) {
            return KvConfigMetrics.SET_SECRET;
        }
        if (oneSecret && parts.length == 2 && m == HttpMethod.DELETE) {
            return KvConfigMetrics.DELETE_SECRET;
        }
        return KvConfigMetrics.OTHER;
    }
}
