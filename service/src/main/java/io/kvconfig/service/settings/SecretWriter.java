package io.kvconfig.service.settings;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.function.Supplier;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import com.azure.security.keyvault.secrets.SecretAsyncClient;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.vault.Backoff;
import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.service.firewall.FirewallService;
import io.kvconfig.service.settings.Plan.Item;
import io.smallrye.mutiny.Uni;

/**
 * The settings flow's Key Vault calls through the extension's clients, at most {@code key-vault-concurrency} at once,
 * answered in request order, every failure described ({@link KeyVaultErrors}), never thrown. A call is retried as the
 * resolver retries (retryable and Retry-After from the {@link ErrorClassifier}, waits from the shared {@link Backoff},
 * no wait past {@code key-vault-timeout}; SDK retries are off; a secret still being deleted or recovered is retried until
 * that deadline, not counted against {@code key-vault-retries}), and after a firewall refusal it joins the one
 * allowlisting run and goes once more ({@link FirewallService#withAllowlisting}).
 */
@ApplicationScoped
public class SecretWriter {

    /** One secret write: {@code failure} is null when Key Vault stored it. */
    public record Outcome(Item item, KeyVaultErrors.Described failure) {
    }

    /** Whether a secret (version) exists; {@code failure} is set when the vault could not say. */
    public record Lookup(SecretReference reference, boolean found, KeyVaultErrors.Described failure) {
    }

    @Inject
    ServiceConfig config;

    @Inject
    KeyVault keyVault;

    @Inject
    FirewallService firewall;

    /** Stores each item's secret in its vault; one outcome per item, in order. */
    public Uni<List<Outcome>> store(List<Item> items) {
        String credential = credentialDescription();
        return batch(items, item -> call(item.vaultUrl(), () -> client(item.vaultUrl())
                .setSecret(item.secretName(), item.value()).toFuture())
                .map(stored -> new Outcome(item, null))
                .onFailure().recoverWithItem(e -> new Outcome(item, KeyVaultErrors.describe(e, credential))));
    }

    /** Looks each reference up in {@code vaultUrl}; one lookup per reference, in order. */
    public Uni<List<Lookup>> lookUp(String vaultUrl, List<SecretReference> references) {
        String credential = credentialDescription();
        // the value is read (that is what the next start will do) and dropped at once
        return batch(references, ref -> call(vaultUrl, () -> client(vaultUrl).getSecret(ref.name(), ref.version()).toFuture())
                .map(secret -> new Lookup(ref, true, null))
                .onFailure().recoverWithItem(e -> ErrorClassifier.classify(e, credential).kind() == FailureKind.NOT_FOUND
                        ? new Lookup(ref, false, null)
                        : new Lookup(ref, false, KeyVaultErrors.describe(e, credential))));
    }

    /** At most key-vault-concurrency in flight (the join subscribes lazily), results in input order. */
    private <T, R> Uni<List<R>> batch(List<T> items, Function<T, Uni<R>> each) {
        if (items.isEmpty()) {
            return Uni.createFrom().item(List.of());
        }
        return Uni.join().all(items.stream().map(each).toList()).usingConcurrencyOf(config.keyVaultConcurrency())
                .andFailFast();
    }

    /** One call: retried within key-vault-timeout, bounded by it, then once more after a fixed firewall refusal. */
    private <T> Uni<T> call(String vaultUrl, Supplier<java.util.concurrent.CompletionStage<T>> request) {
        Duration timeout = config.keyVaultTimeout();
        Uni<T> retried = Uni.createFrom().deferred(() -> attempt(() -> Uni.createFrom().completionStage(request), 1,
                System.nanoTime() + timeout.toNanos()));
        Uni<T> timed = retried.ifNoItem().after(timeout).failWith(TimeoutException::new);
        return firewall.withAllowlisting(vaultUrl, () -> timed);
    }

    private <T> Uni<T> attempt(Supplier<Uni<T>> call, int n, long deadline) {
        return Uni.createFrom().<T>deferred(call::get).onFailure().recoverWithUni(e -> {
            Classified c = ErrorClassifier.classify(e, "");
            // a soft delete or recovery still running takes seconds on Key Vault: waited out until the deadline,
            // whatever the retry count (which is about failures, and this is the vault saying "not yet")
            boolean outOfRetries = n > config.keyVaultRetries() && c.kind() != FailureKind.DELETION_IN_PROGRESS;
            if (outOfRetries || !c.retryable()) {
                return Uni.createFrom().failure(e);
            }
            Optional<Duration> wait = Backoff.forFailure(c.kind()).next(n, c.retryAfter(),
                    Duration.ofNanos(deadline - System.nanoTime()));
            if (wait.isEmpty()) {
                return Uni.createFrom().failure(e);
            }
            Uni<T> again = Uni.createFrom().deferred(() -> attempt(call, n + 1, deadline));
            return wait.get().isZero() ? again
                    : Uni.createFrom().voidItem().onItem().delayIt().by(wait.get()).flatMap(x -> again);
        });
    }

    /** The vault's client: null = the default vault. */
    private SecretAsyncClient client(String vaultUrl) {
        return vaultUrl == null ? keyVault.secrets() : keyVault.clients().forVault(vaultUrl);
    }

    private String credentialDescription() {
        try {
            return keyVault.clients().credentialDescription();
        } catch (RuntimeException e) {
            return "the configured credential";
        }
    }
}
