package io.kvconfig.runtime.resolve;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import org.jboss.logging.Logger;

import io.kvconfig.runtime.metrics.KvConfigMetrics;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.vault.Backoff;
import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.ErrorClassifier.Classified;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * Resolves a batch of references: deduplicated by (vault, name, version), primed with ONE request per vault (so
 * the 401 challenge and the token happen once), then fanned out through the vault's {@link ThrottleGate}: first
 * {@code initial-parallelism} requests in flight, one more per round trip up to {@code parallelism} while the vault
 * does not throttle (vaults proceed independently, so a slow vault does not hold back another). Retries follow the
 * one {@link Backoff} policy: a 429 with Retry-After closes the vault's gate for the whole batch (one wait, plus a
 * jitter of up to 1 s, then one request at a time); a 429 without it waits {@link Backoff#THROTTLED}; 5xx, timeouts and
 * connection errors retry with exponential backoff (200 ms doubling to 5 s, jittered); everything within ONE deadline
 * ({@code startup-timeout}). Vault-wide failures of the priming request (authentication, unreachable, firewall) are
 * applied to the vault's other secrets without sending them. SDK retries are off (see {@link KeyVaultClients}): attempts here are the requests sent.
 * {@link #resolve} blocks; call it from a thread that may block (not a Reactor/event-loop thread).
 */
public final class SecretResolver {

    private static final Logger LOG = Logger.getLogger(SecretResolver.class);
    private static final String HOOK_FAILED = "; automatic allowlisting failed: ";
    static final long ATTEMPT_TIMEOUT_MS = 15_000;
    /** Spreads a fleet's return after the same whole-second Retry-After (drawn once per resolver and closing). */
    static final Duration THROTTLE_JITTER = Duration.ofSeconds(1);
    static final String NO_VAULT_HINT = "set KEY_VAULT_URL or quarkus.kvconfig.url to the vault's URL"
            + " (https://<vault-name>.vault.azure.net), or write a reference as a full secret URI"
            + " (@kv:https://<vault-host>/secrets/<name>)";

    private final KeyVaultClients clients;
    private final KeyVaultSettings settings;
    private final FirewallHook firewallHook;

    public SecretResolver(KeyVaultClients clients) {
        this(clients, clients.settings(), null);
    }

    /**
     * @param firewallHook null when firewall allowlisting is not configured
     */
    public SecretResolver(KeyVaultClients clients, KeyVaultSettings settings, FirewallHook firewallHook) {
        this.clients = Objects.requireNonNull(clients, "clients");
        this.settings = Objects.requireNonNull(settings, "settings");
        this.firewallHook = firewallHook;
    }

    /**
     * Parses then resolves raw values (property -> {@code @kv:...} text). Values that are not references are
     * ignored; malformed references become {@link FailureKind#INVALID_REFERENCE} failures in the same report.
     */
    public Resolution resolveValues(Map<String, String> rawValues) {
        Map<String, SecretReference> refs = new LinkedHashMap<>();
        List<ResolutionFailure> invalid = new ArrayList<>();
        rawValues.forEach((property, raw) -> {
            if (!SecretReferenceParser.isReference(raw)) {
                return;
            }
            try {
                refs.put(property, SecretReferenceParser.parse(raw));
            } catch (InvalidReferenceException e) {
                invalid.add(invalidReference(property, e));
            }
        });
        return resolve(refs, invalid);
    }

    /** The failure of a reference that did not parse. */
    public static ResolutionFailure invalidReference(String property, InvalidReferenceException e) {
        return new ResolutionFailure(property, null, null, FailureKind.INVALID_REFERENCE, e.getMessage());
    }

    /**
     * Resolves parsed references; {@code invalid} (references that did not parse, see {@link #invalidReference}) are
     * reported first in the same report and counted among its references.
     */
    public Resolution resolve(Map<String, SecretReference> references, List<ResolutionFailure> invalid) {
        Resolution r = resolve(references);
        if (invalid.isEmpty()) {
            return r;
        }
        List<ResolutionFailure> failures = new ArrayList<>(invalid);
        failures.addAll(r.failures());
        Resolution.Stats s = r.stats();
        return new Resolution(r.values(), failures, r.skipped(), new Resolution.Stats(s.references() + invalid.size(),
                s.distinctSecrets(), s.resolvedSecrets(), s.requestsSent(), s.elapsedMillis()), r.versions());
    }

    /** Resolves every reference (property name -> reference). Never throws for a failed reference: see {@link Resolution#orThrow()}. */
    public Resolution resolve(Map<String, SecretReference> references) {
        if (references.isEmpty()) {
            return Resolution.empty();
        }
        return new Batch(references).run();
    }

    /** Dedup key: vault + case-insensitive name (Key Vault names are) + version. */
    private record Key(String vaultUrl, String name, String version) {
    }

    private static final class Target {
        final Key key;
        final String name;
        final String version;
        final List<String> properties = new ArrayList<>();
        volatile Outcome outcome;

        Target(Key key, String name, String version) {
            this.key = key;
            this.name = name;
            this.version = version;
        }
    }

    /** A value (with the version the vault returned, for refresh), or a classified failure. */
    private record Outcome(String value, String version, FailureKind kind, String message) {
        static Outcome ok(String value, String version) {
            return new Outcome(value, version, null, null);
        }

        static Outcome failed(FailureKind kind, String message) {
            return new Outcome(null, null, kind, message);
        }

        boolean ok() {
            return kind == null;
        }
    }

    private final class Batch {
        final Map<String, SecretReference> references;
        final Map<Key, Target> targets = new LinkedHashMap<>();
        final List<ResolutionFailure> early = new ArrayList<>();
        final AtomicInteger requests = new AtomicInteger();
        final long started = System.nanoTime();
        // the deadline moves forward by the time spent inside the firewall hook
        final AtomicLong deadline = new AtomicLong(started + settings.startupTimeout().toNanos());
        final Set<String> hookCalledFor = ConcurrentHashMap.newKeySet();
        final Map<String, ThrottleGate> gates = new ConcurrentHashMap<>();
        volatile String hookFailure;

        Batch(Map<String, SecretReference> references) {
            this.references = references;
            String defaultVault = settings.vaultUrl().orElse(null);
            references.forEach((property, ref) -> {
                String vault = ref.vaultUrlOr(defaultVault);
                if (vault == null) {
                    // one wording for every such reference: the report says it once for all of them
                    early.add(new ResolutionFailure(property, ref.name(), null, FailureKind.NO_VAULT_CONFIGURED, NO_VAULT_HINT));
                    return;
                }
                Key key = new Key(vault, ref.name().toLowerCase(Locale.ROOT), ref.version());
                targets.computeIfAbsent(key, k -> new Target(k, ref.name(), ref.version())).properties.add(property);
            });
        }

        Resolution run() {
            if (!targets.isEmpty()) {
                callBeforeResolve();
                fetchAll();
            }
            return report();
        }

        private void callBeforeResolve() {
            if (firewallHook == null) {
                return;
            }
            long t0 = System.nanoTime();
            try {
                firewallHook.beforeResolve();
            } catch (RuntimeException e) {
                // resolution may still work (rule already present); the reason is added to firewall failures
                hookFailure = ErrorClassifier.cut(ErrorClassifier.oneLine(e.getMessage()));
                LOG.warnf("Key Vault firewall allowlisting failed before resolving: %s", hookFailure);
            } finally {
                deadline.addAndGet(System.nanoTime() - t0);
            }
        }

        private void fetchAll() {
            Map<String, List<Target>> byVault = new LinkedHashMap<>();
            for (Target t : targets.values()) {
                byVault.computeIfAbsent(t.key.vaultUrl(), v -> new ArrayList<>()).add(t);
            }
            // vaults proceed independently: a slow or unreachable vault does not hold back the others
            Flux.fromIterable(byVault.values())
                    .flatMap(this::fetchVault, byVault.size())
                    .then().block();
        }

        /**
         * One vault: prime with ONE request (the challenge and the token are fetched once), then fan out the rest
         * through the vault's gate (its window decides how many are in flight). The fan-out starts as soon as the
         * primer goes out with a token (the challenge is answered and the token cached:
         * {@link KeyVaultClients#authorized}), not when its answer is back. If the primer ends without ever getting a
         * token (authentication failed, unreachable, deadline), that vault-wide failure is applied to the others
         * without sending them.
         */
        private Mono<Void> fetchVault(List<Target> group) {
            Target primer = group.get(0);
            List<Target> rest = group.subList(1, group.size());
            if (rest.isEmpty()) {
                return fetchEach(List.of(primer), false)
                        .then(Mono.defer(() -> retryFirewallBlocked(List.of(primer))));
            }
            // started now and shared: the primer runs on whichever way the fan-out is triggered
            CompletableFuture<Void> primed = fetchEach(List.of(primer), false).toFuture();
            Mono<Boolean> authorizedFirst = Mono.firstWithSignal(
                    Mono.fromFuture(clients.authorized(primer.key.vaultUrl()), true).thenReturn(true),
                    Mono.fromFuture(primed, true).thenReturn(false));
            return authorizedFirst.flatMap(early -> {
                if (early) {
                    // the primer holds one of the gate's slots (with parallelism 1, the rest wait for its answer)
                    return Mono.when(Mono.fromFuture(primed, true), fetchEach(rest, false))
                            // a firewall refusal (rule missing or removed meanwhile): the hook once, then a retry
                            .then(Mono.defer(() -> retryFirewallBlocked(group)));
                }
                return retryFirewallBlocked(List.of(primer)).then(Mono.defer(() -> {
                    Outcome p = primer.outcome;
                    boolean vaultWide = !p.ok() && switch (p.kind()) {
                        case AUTHENTICATION_FAILED, CHALLENGE_RESOURCE_MISMATCH, UNREACHABLE, TLS_UNTRUSTED, FIREWALL_BLOCKED, TIMED_OUT,
                                THROTTLED -> true;
                        default -> false;
                    };
                    if (vaultWide) {
                        // the same outcome, so the report states the vault's one reason once for all its references
                        for (Target t : rest) {
                            t.outcome = p;
                        }
                        return Mono.<Void> empty();
                    }
                    return fetchEach(rest, false).then(Mono.defer(() -> retryFirewallBlocked(rest)));
                }));
            });
        }

        /** Every target at once: the vault's {@link ThrottleGate} decides how many are in flight. */
        private Mono<Void> fetchEach(List<Target> list, boolean firewallRetry) {
            return Flux.fromIterable(list)
                    .flatMap(t -> attempt(t, 1, null, firewallRetry).doOnNext(o -> t.outcome = o), Math.max(1, list.size()))
                    .then();
        }

        /** Calls the hook (at most once per vault, off the event loop: it blocks) and retries the blocked targets. */
        private Mono<Void> retryFirewallBlocked(List<Target> batch) {
            if (firewallHook == null) {
                return Mono.empty();
            }
            List<Target> blocked = batch.stream().filter(t -> t.outcome.kind() == FailureKind.FIREWALL_BLOCKED).toList();
            if (blocked.isEmpty()) {
                return Mono.empty();
            }
            String vault = blocked.get(0).key.vaultUrl();
            if (!hookCalledFor.add(vault)) {
                return Mono.empty();
            }
            return Mono.fromCallable(() -> callHook(vault))
                    .subscribeOn(Schedulers.boundedElastic())
                    .flatMap(again -> {
                        if (again) {
                            return fetchEach(blocked, true);
                        }
                        // these were refused before the run failed (allowlisting on refusal): they get its reason too
                        String why = hookFailure;
                        if (why != null) {
                            for (Target t : blocked) {
                                if (!t.outcome.message().contains(HOOK_FAILED)) {
                                    t.outcome = Outcome.failed(t.outcome.kind(), t.outcome.message() + HOOK_FAILED + why);
                                }
                            }
                        }
                        return Mono.empty();
                    });
        }

        private boolean callHook(String vault) {
            long t0 = System.nanoTime();
            try {
                return firewallHook.onForbiddenByConnection(vault);
            } catch (RuntimeException e) {
                hookFailure = ErrorClassifier.cut(ErrorClassifier.oneLine(e.getMessage()));
                LOG.warnf("Key Vault firewall allowlisting failed for %s: %s", vault, hookFailure);
                return false;
            } finally {
                // the hook has its own propagation timeout; its time does not eat the resolution deadline
                deadline.addAndGet(System.nanoTime() - t0);
            }
        }

        /** The vault's door for this batch: every request to it passes there (see {@link ThrottleGate}). */
        private ThrottleGate gate(String vaultUrl) {
            return gates.computeIfAbsent(vaultUrl, v -> new ThrottleGate(settings.initialParallelism(),
                    settings.parallelism(), THROTTLE_JITTER));
        }

        /**
         * One GET once the vault's gate lets it through, then retries as classified; never errors. A 429 with
         * Retry-After closes the gate for every request of the batch to that vault (the retry waits there with the
         * others); other retries wait their own backoff, then pass the gate again.
         */
        private Mono<Outcome> attempt(Target t, int n, Classified last, boolean firewallRetry) {
            ThrottleGate gate = gate(t.key.vaultUrl());
            return Mono.defer(() -> {
                long remainingNs = deadline.get() - System.nanoTime();
                long openAt = gate.closedUntil();
                if (remainingNs <= 0 || (openAt != 0 && openAt - deadline.get() >= 0)) {
                    return Mono.just(giveUp(last != null ? last : gate.closedBy(), n - 1));
                }
                return gate.acquire()
                        .timeout(Duration.ofNanos(remainingNs))
                        .then(Mono.just(true))
                        .onErrorReturn(TimeoutException.class, false)
                        .flatMap(passed -> passed ? send(gate, t, n, last, firewallRetry)
                                : Mono.just(giveUp(last != null ? last : gate.closedBy(), n - 1)));
            });
        }

        /** The request itself, holding one of the gate's slots until its answer (or failure) is in. */
        private Mono<Outcome> send(ThrottleGate gate, Target t, int n, Classified last, boolean firewallRetry) {
            long remainingMs = TimeUnit.NANOSECONDS.toMillis(deadline.get() - System.nanoTime());
            if (remainingMs <= 0) {
                gate.release(false);
                return Mono.just(giveUp(last, n - 1));
            }
            AtomicBoolean held = new AtomicBoolean(true);
            requests.incrementAndGet();
            return clients.reader(t.key.vaultUrl()).get(t.name, t.version)
                    .timeout(Duration.ofMillis(Math.min(remainingMs, ATTEMPT_TIMEOUT_MS)))
                    .map(s -> s.value() == null ? Outcome.failed(FailureKind.UNEXPECTED, "the vault returned no value")
                            : Outcome.ok(s.value(), s.version()))
                    .switchIfEmpty(Mono.fromSupplier(() -> Outcome.failed(FailureKind.UNEXPECTED, "the vault returned no secret")))
                    .map(o -> {
                        if (held.compareAndSet(true, false)) {
                            gate.release(true);
                        }
                        return o;
                    })
                    .onErrorResume(e -> {
                        if (e instanceof TimeoutException && remainingMs < ATTEMPT_TIMEOUT_MS
                                && last != null) {
                            release(gate, held, false);
                            // the deadline, not the vault, cut this retry short: the reason is what the earlier
                            // attempts met (cannot connect, throttled, ...), not "no response in time"
                            return Mono.just(giveUp(last, n));
                        }
                        Classified c = ErrorClassifier.classify(e, clients.credentialDescription());
                        boolean throttled = c.kind() == FailureKind.THROTTLED;
                        boolean retryable = c.retryable() || (firewallRetry && c.firewall());
                        long now = System.nanoTime();
                        Optional<Duration> delay = retryable ? Backoff.forFailure(c.kind()).next(n, c.retryAfter(),
                                Duration.ofNanos(deadline.get() - now)) : Optional.empty();
                        boolean gated = throttled && c.retryAfter() != null;
                        long opens = 0;
                        // close (or narrow) the gate BEFORE this request's slot is freed, so no waiter slips through;
                        // closed also when Retry-After outlasts the deadline: the others are then not sent at all
                        if (gated) {
                            long at = now + c.retryAfter().toNanos();
                            opens = gate.throttled(c, c.retryAfter(), delay.isPresent() ? at + (deadline.get() - at) / 2 : at);
                        } else if (throttled) {
                            gate.narrow(c);
                        }
                        // an answer other than 429 (404, 403, 5xx) still says the vault takes this pace
                        release(gate, held, c.status() > 0 && !throttled);
                        if (!retryable) {
                            return Mono.just(failed(c));
                        }
                        if (delay.isEmpty()) {
                            return Mono.just(giveUp(c, n));
                        }
                        KvConfigMetrics.retry(KvConfigMetrics.GET_SECRET, c.kind());
                        if (gated) {
                            // one wait for the vault, not one per request: the retry waits at the gate with the rest
                            LOG.debugf("Secret '%s': %s (attempt %d), the vault's requests wait %d ms", t.name, c.detail(),
                                    n, TimeUnit.NANOSECONDS.toMillis(opens - now));
                            return attempt(t, n + 1, c, firewallRetry);
                        }
                        LOG.debugf("Secret '%s': %s (attempt %d), retrying in %d ms", t.name, c.detail(), n,
                                delay.get().toMillis());
                        return Mono.delay(delay.get()).then(attempt(t, n + 1, c, firewallRetry));
                    })
                    .doFinally(s -> release(gate, held, false));
        }

        private static void release(ThrottleGate gate, AtomicBoolean held, boolean answered) {
            if (held.compareAndSet(true, false)) {
                gate.release(answered);
            }
        }

        private Outcome failed(Classified c) {
            String msg = c.detail();
            if (c.firewall() && hookFailure != null) {
                msg += HOOK_FAILED + hookFailure;
            }
            return Outcome.failed(c.kind(), msg);
        }

        private Outcome giveUp(Classified last, int attempts) {
            String budget = "the startup timeout of " + human(settings.startupTimeout()) + " (quarkus.kvconfig.startup-timeout) ran out";
            if (last == null) {
                return Outcome.failed(FailureKind.TIMED_OUT, budget + " before the request was sent");
            }
            String after = attempts == 0 ? " before the request was sent"
                    : " after " + attempts + " attempt" + (attempts == 1 ? "" : "s");
            return switch (last.kind()) {
                case THROTTLED -> Outcome.failed(FailureKind.THROTTLED, last.detail() + "; " + budget + after
                        + (last.retryAfter() != null ? " (Retry-After " + human(last.retryAfter()) + ")" : ""));
                case UNREACHABLE -> Outcome.failed(FailureKind.UNREACHABLE, last.detail() + "; " + budget + after);
                case FIREWALL_BLOCKED -> failed(last);
                default -> Outcome.failed(FailureKind.TIMED_OUT, budget + after + "; last error: " + last.detail());
            };
        }

        private Resolution report() {
            Map<String, String> values = new LinkedHashMap<>();
            Map<String, String> versions = new LinkedHashMap<>();
            List<ResolutionFailure> failures = new ArrayList<>(early);
            List<ResolutionFailure> skipped = new ArrayList<>();
            Map<String, Target> byProperty = new LinkedHashMap<>();
            for (Target t : targets.values()) {
                for (String p : t.properties) {
                    byProperty.put(p, t);
                }
            }
            // report in the caller's property order
            for (String property : references.keySet()) {
                Target t = byProperty.get(property);
                if (t == null) {
                    continue;
                }
                Outcome o = t.outcome != null ? t.outcome
                        : Outcome.failed(FailureKind.TIMED_OUT, "no outcome before the resolution ended");
                if (o.ok()) {
                    values.put(property, o.value());
                    if (o.version() != null) {
                        versions.put(property, o.version());
                    }
                } else {
                    ResolutionFailure f = new ResolutionFailure(property, t.name, t.key.vaultUrl(), o.kind(), o.message());
                    if (o.kind() == FailureKind.NOT_FOUND && references.get(property).optional()) {
                        skipped.add(f);
                    } else {
                        failures.add(f);
                    }
                }
            }
            long elapsed = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            int resolvedSecrets = (int) targets.values().stream().filter(t -> t.outcome != null && t.outcome.ok()).count();
            Resolution.Stats stats = new Resolution.Stats(references.size(), targets.size(), resolvedSecrets, requests.get(),
                    elapsed);
            // DEBUG only: each caller prints its own one summary line (the extension's startup line, the CLI's)
            for (ResolutionFailure s : skipped) {
                LOG.debugf("Optional Key Vault reference in '%s': secret '%s' not found, property left unset", s.property(),
                        s.secretName());
            }
            if (failures.isEmpty()) {
                LOG.debugf("Resolved %d Key Vault reference%s (%d secret%s, %d request%s) in %d ms",
                        stats.references(), stats.references() == 1 ? "" : "s",
                        stats.distinctSecrets(), stats.distinctSecrets() == 1 ? "" : "s",
                        stats.requestsSent(), stats.requestsSent() == 1 ? "" : "s", elapsed);
            } else {
                LOG.debugf("Key Vault resolution: %d of %d references failed in %d ms", failures.size(),
                        stats.references(), elapsed);
            }
            return new Resolution(values, failures, skipped, stats, versions);
        }
    }

    static String human(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + "s" : ms + "ms";
    }
}
