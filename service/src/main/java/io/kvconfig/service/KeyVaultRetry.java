package io.kvconfig.service;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Supplier;

import io.kvconfig.runtime.vault.Backoff;
import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import io.smallrye.mutiny.Uni;

/**
 * The service's Key Vault calls retried the way the resolver retries them: what is worth another attempt and the
 * Retry-After a vault sends are read by the {@link ErrorClassifier}, the waits come from the shared {@link Backoff},
 * and nothing is retried when the wait would end after the call's deadline (the failure is answered instead). The
 * extension's clients have SDK retries off, so the attempts here are the requests sent.
 */
final class KeyVaultRetry {

    private KeyVaultRetry() {
    }

    /** {@code call}, subscribed again up to {@code retries} times after a transient failure, within {@code timeout}. */
    static <T> Uni<T> retried(Supplier<Uni<T>> call, int retries, Duration timeout) {
        return Uni.createFrom().deferred(() -> attempt(call, 1, retries, System.nanoTime() + timeout.toNanos()));
    }

    private static <T> Uni<T> attempt(Supplier<Uni<T>> call, int n, int retries, long deadline) {
        return Uni.createFrom().<T>deferred(call::get).onFailure().recoverWithUni(e -> {
            Classified c = ErrorClassifier.classify(e, "");
            if (n > retries || !c.retryable()) {
                return Uni.createFrom().failure(e);
            }
            Optional<Duration> wait = Backoff.forFailure(c.kind()).next(n, c.retryAfter(),
                    Duration.ofNanos(deadline - System.nanoTime()));
            if (wait.isEmpty()) {
                return Uni.createFrom().failure(e);
            }
            Uni<T> again = Uni.createFrom().deferred(() -> attempt(call, n + 1, retries, deadline));
            return wait.get().isZero() ? again
                    : Uni.createFrom().voidItem().onItem().delayIt().by(wait.get()).flatMap(x -> again);
        });
    }
}
