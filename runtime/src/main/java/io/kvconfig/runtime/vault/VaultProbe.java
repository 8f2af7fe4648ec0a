package io.kvconfig.runtime.vault;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import com.azure.core.exception.HttpResponseException;

import reactor.core.publisher.Mono;

/**
 * The one reachability probe of a vault, for the readiness check and the admin service's status: ONE authenticated
 * request (a read of {@link #SECRET}), never cached here. A 404 for it proves the vault answers and accepts the
 * token; a 200 (someone created that secret) counts too, its value dropped at once. It reads with the vault's
 * {@link SecretReader}, so it shares the resolver's challenge and token, and a probe does not load the SDK client.
 */
public final class VaultProbe {

    /** A secret name that is not expected to exist: reading it costs one request and returns no value. */
    public static final String SECRET = "kvconfig-readiness-probe";
    /** How long the probe waits for the vault; the request is then cancelled. */
    public static final Duration TIMEOUT = Duration.ofSeconds(10);

    private VaultProbe() {
    }

    /**
     * Completes when the vault answered; exceptionally with the SDK's error (read it with {@link ErrorClassifier}),
     * or with a {@link java.util.concurrent.TimeoutException} after {@link #TIMEOUT}.
     */
    public static CompletableFuture<Void> probe(SecretReader reader) {
        return reader.get(SECRET, null)
                .timeout(TIMEOUT)
                .then()
                .onErrorResume(e -> e instanceof HttpResponseException h && h.getResponse() != null
                        && h.getResponse().getStatusCode() == 404, e -> Mono.empty())
                .toFuture();
    }
}
