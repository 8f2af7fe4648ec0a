package io.kvconfig.service.events;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.OPTIONS;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.security.SecurityRequirement;
import org.eclipse.microprofile.openapi.annotations.tags.Tag;
import org.jboss.logging.Logger;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.refresh.RefreshResult;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.service.api.ApiError;
import io.smallrye.mutiny.Uni;

/**
 * Key Vault's change events, delivered by an Event Grid webhook subscription: answers the validation handshake (Event
 * Grid schema: the {@code SubscriptionValidationEvent}'s code back as {@code validationResponse}; CloudEvents: the
 * {@code OPTIONS} abuse-protection request), and for each {@code Microsoft.KeyVault.SecretNewVersionCreated} refreshes
 * that one secret at once ({@link KeyVault#refresh(String, String)}: one GET, none when no reference names it).
 * Events of other types, for a vault the service does not use, or without a secret id are acknowledged and ignored
 * (a DEBUG line with names only). Guarded by the shared secret ({@link EventsSecretMechanism}), never by the path.
 */
@RolesAllowed(EventsApi.ROLE)
@Path(EventsApi.PATH)
@Tag(name = "Key Vault events")
@SecurityRequirement(name = EventsApi.SECURITY_SCHEME)
public class KeyVaultEventsResource {

    private static final Logger LOG = Logger.getLogger(KeyVaultEventsResource.class);
    /** Failures worth a redelivery: Event Grid retries a 503 later (with backoff, up to its retry policy). */
    private static final Set<FailureKind> TRANSIENT = Set.of(FailureKind.UNREACHABLE, FailureKind.THROTTLED,
            FailureKind.TIMED_OUT, FailureKind.FIREWALL_BLOCKED, FailureKind.DELETION_IN_PROGRESS);

    /** The answer to a delivery: counts and secret names, never a value. */
    public record Received(String status, int events, List<String> refreshed, List<String> unchanged, int ignored,
            List<String> failed) {
    }

    @Inject
    KeyVault keyVault;

    @POST
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Key Vault change events (Event Grid webhook)", description = "Event Grid schema (application/json)"
            + " or CloudEvents 1.0 (application/cloudevents+json, application/cloudevents-batch+json). Answers the "
            + "SubscriptionValidationEvent with {\"validationResponse\": code}; refreshes the secret of each "
            + "Microsoft.KeyVault.SecretNewVersionCreated (one Key Vault GET); ignores other events. 503 when a refresh "
            + "failed for a reason that may pass (Event Grid delivers again). Authenticated with the shared secret "
            + "kvconfig.service.events.secret as ?code= or the X-Kvconfig-Events-Secret header.")
    public Uni<Response> receive(@HeaderParam(HttpHeaders.CONTENT_TYPE) String contentType, byte[] body) {
        KeyVaultEvents.Delivery delivery;
        try {
            delivery = KeyVaultEvents.read(contentType, body == null ? new byte[0] : body);
        } catch (KeyVaultEvents.BadDelivery e) {
            return Uni.createFrom().item(ApiError.of("invalid_event", e.getMessage())
                    .toResponse(Response.Status.fromStatusCode(e.status())));
        }
        if (delivery.validationCode().isPresent()) {
            LOG.info("Event Grid subscription validation answered");
            return Uni.createFrom().item(Response.ok(Map.of("validationResponse", delivery.validationCode().get()))
                    .type(MediaType.APPLICATION_JSON_TYPE).build());
        }
        delivery.ignored().forEach(why -> LOG.debugf("Key Vault event ignored: %s", why));
        Set<String> known = vaultsInUse();
        List<String> ignored = new ArrayList<>(delivery.ignored());
        Set<KeyVaultEvents.SecretEvent> wanted = new LinkedHashSet<>();
        for (KeyVaultEvents.SecretEvent e : delivery.secretEvents()) {
            if (known.contains(e.vaultUrl())) {
                wanted.add(new KeyVaultEvents.SecretEvent(e.vaultUrl(), e.secretName().toLowerCase(Locale.ROOT)));
            } else {
                LOG.debugf("Key Vault event ignored: secret '%s' of vault %s, which this service does not use",
                        e.secretName(), e.vaultUrl());
                ignored.add(e.secretName());
            }
        }
        List<Uni<Outcome>> refreshes = wanted.stream().map(this::refresh).toList();
        if (refreshes.isEmpty()) {
            return Uni.createFrom().item(answer(delivery.events(), List.of(), ignored.size()));
        }
        return Uni.join().all(refreshes).andFailFast()
                .map(outcomes -> answer(delivery.events(), outcomes, ignored.size()));
    }

    @OPTIONS
    @Operation(summary = "CloudEvents webhook validation (abuse protection)", description = "Answers Event Grid's "
            + "OPTIONS request carrying WebHook-Request-Origin with WebHook-Allowed-Origin (and WebHook-Allowed-Rate).")
    public Response handshake(@HeaderParam("WebHook-Request-Origin") String origin,
            @HeaderParam("WebHook-Request-Rate") String rate) {
        if (origin == null || origin.isBlank()) {
            return ApiError.of("error", "OPTIONS here is the CloudEvents webhook validation: send WebHook-Request-Origin.")
                    .toResponse(Response.Status.BAD_REQUEST);
        }
        LOG.info("CloudEvents webhook validation answered");
        Response.ResponseBuilder ok = Response.ok().header("WebHook-Allowed-Origin", origin.strip())
                .header(HttpHeaders.ALLOW, "POST, OPTIONS");
        if (rate != null) {
            ok.header("WebHook-Allowed-Rate", "*");
        }
        return ok.build();
    }

    /** One secret's refresh: changed, unchanged (no reference names it, or same version), or failed (kinds). */
    private record Outcome(String secret, boolean changed, List<FailureKind> failures) {
    }

    private Uni<Outcome> refresh(KeyVaultEvents.SecretEvent e) {
        Supplier<java.util.concurrent.CompletionStage<RefreshResult>> call = () -> keyVault.refresh(e.vaultUrl(),
                e.secretName());
        return Uni.createFrom().completionStage(call)
                .map(r -> {
                    boolean changed = r.changedSecrets().stream().anyMatch(s -> s.equalsIgnoreCase(e.secretName()));
                    List<FailureKind> failures = r.failures().stream().map(RefreshResult.Failure::kind).toList();
                    if (changed) {
                        LOG.infof("Key Vault event: secret '%s' has a new version; refreshed %s", e.secretName(),
                                r.changedProperties());
                    } else if (failures.isEmpty()) {
                        LOG.debugf("Key Vault event: secret '%s' unchanged (no reference names it, or it was already "
                                + "current)", e.secretName());
                    } else {
                        LOG.warnf("Key Vault event: secret '%s' could not be refreshed (%s); the last value stays",
                                e.secretName(), failures);
                    }
                    return new Outcome(e.secretName(), changed, failures);
                })
                .onFailure().recoverWithItem(t -> {
                    LOG.warnf("Key Vault event: secret '%s' could not be refreshed (%s); the last value stays",
                            e.secretName(), t.getClass().getSimpleName());
                    return new Outcome(e.secretName(), false, List.of(FailureKind.UNEXPECTED));
                });
    }

    private static Response answer(int events, List<Outcome> outcomes, int ignored) {
        List<String> refreshed = outcomes.stream().filter(Outcome::changed).map(Outcome::secret).toList();
        List<String> unchanged = outcomes.stream().filter(o -> !o.changed() && o.failures().isEmpty())
                .map(Outcome::secret).toList();
        List<String> failed = outcomes.stream().filter(o -> !o.failures().isEmpty())
                .map(o -> o.secret() + ": " + o.failures().stream().map(FailureKind::words).distinct().toList())
                .toList();
        boolean retry = outcomes.stream().flatMap(o -> o.failures().stream()).anyMatch(TRANSIENT::contains);
        Received body = new Received(retry ? "retry" : "ok", events, refreshed, unchanged, ignored, failed);
        return ApiError.json(retry ? 503 : 200, body);
    }

    /** The default vault and every vault a reference names, normalised ({@code https://host[:port]}). */
    private Set<String> vaultsInUse() {
        Set<String> vaults = new LinkedHashSet<>();
        keyVault.vaultUrl().ifPresent(u -> addNormalised(vaults, u));
        for (ReferenceStatus r : keyVault.references()) {
            if (r.vaultUrl() != null) {
                addNormalised(vaults, r.vaultUrl());
            }
        }
        return vaults;
    }

    private static void addNormalised(Set<String> vaults, String url) {
        try {
            vaults.add(SecretReferenceParser.normalizeVaultUrl(url));
        } catch (InvalidReferenceException e) {
            // not a vault URL: nothing to match
        }
    }
}
