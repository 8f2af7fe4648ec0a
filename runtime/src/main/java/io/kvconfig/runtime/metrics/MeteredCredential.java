package io.kvconfig.runtime.metrics;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;

import reactor.core.publisher.Mono;

/**
 * The credential, counting each token it is asked for ({@link KvConfigMetrics#TOKEN}: success or error). The SDK
 * asks only when its cache has no valid token, so this counts token acquisitions, whichever credential (HTTP or the
 * Azure CLI) does the work.
 */
public record MeteredCredential(TokenCredential delegate) implements TokenCredential {

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return delegate.getToken(request)
                .doOnSuccess(t -> KvConfigMetrics.request(KvConfigMetrics.TOKEN,
                        t != null ? KvConfigMetrics.SUCCESS : KvConfigMetrics.ERROR))
                .doOnError(e -> KvConfigMetrics.request(KvConfigMetrics.TOKEN, KvConfigMetrics.ERROR));
    }

    @Override
    public AccessToken getTokenSync(TokenRequestContext request) {
        try {
            AccessToken t = delegate.getTokenSync(request);
            KvConfigMetrics.request(KvConfigMetrics.TOKEN, t != null ? KvConfigMetrics.SUCCESS : KvConfigMetrics.ERROR);
            return t;
        } catch (RuntimeException e) {
            KvConfigMetrics.request(KvConfigMetrics.TOKEN, KvConfigMetrics.ERROR);
            throw e;
        }
    }
}
