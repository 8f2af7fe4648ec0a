package io.kvconfig.runtime.vault;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.exception.ResourceModifiedException;
import com.azure.core.exception.ResourceNotFoundException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.azure.core.util.AuthenticateChallenge;
import com.azure.core.util.CoreUtils;
import com.azure.security.keyvault.secrets.SecretServiceVersion;

import io.kvconfig.runtime.metrics.KvConfigMetrics;
import reactor.core.publisher.Mono;

/**
 * Reads one secret of one vault: Get Secret on the wire, with Key Vault's challenge protocol, over the project's
 * transport ({@link BufferedVertxHttpClient}) and credential, without the secrets SDK's client.
 * <p>
 * Why not {@code SecretAsyncClient.getSecret}: the resolver's reads are the startup path of every application, and
 * the SDK client's first read costs far more than its three round trips. Building it and sending one GET through
 * azure-core's {@code RestProxy} loads its pipeline, the generated service proxy and, through {@code BinaryData} and
 * the serializer, all of Jackson: about 1,000 classes that the JVM parses, verifies, initialises and JIT-compiles
 * while the application waits (BENCHMARKS.md, "Where the first secret's cost goes"). One GET needs none of it.
 * Everything else (writes, deletes, listing, the service) keeps the SDK client ({@link KeyVaultClients#forVault}).
 * <p>
 * The same protocol as the SDK's {@code KeyVaultCredentialPolicy}: the first request goes out without a token; its
 * 401 challenge names the token's scope ({@code resource} + "/.default", or {@code scope}) and the tenant (the first
 * path segment of {@code authorization}/{@code authorization_uri}); unless disabled, the scope's host must be a
 * parent domain of the vault's host (challenge resource verification, the SDK's message); the token is requested
 * with CAE enabled and kept until shortly before it expires; a 401 to a request with a token asks the credential
 * once more, then fails. Failures are the exceptions the SDK raises for the same answers (401
 * {@link ClientAuthenticationException}, 404 {@link ResourceNotFoundException}, 403 and 409
 * {@link ResourceModifiedException},
 * other statuses {@link HttpResponseException}, message {@code Status code N, "<error body>"}, value the parsed body), so
 * {@link ErrorClassifier} gives the same kinds and messages (SecretReaderEquivalenceTest). Requests are counted as the
 * SDK clients' are ({@link KvConfigMetrics#REQUESTS}), tokens by the credential.
 */
public final class SecretReader {

    /** A secret's value and the version Key Vault returned. */
    public record Secret(String value, String version) {
        @Override
        public String toString() {
            return "Secret[version=" + version + "]";
        }
    }

    /** The secrets SDK's default API version, so a read here and through the SDK ask the same service version. */
    static final String API_VERSION = SecretServiceVersion.getLatest().getVersion();
    /** A token this close to its expiry is replaced before use (a read must not race the expiry). */
    static final Duration TOKEN_MARGIN = Duration.ofMinutes(2);
    private static final String SDK_DOMAIN_MESSAGE = "The challenge resource '%s' does not match the requested domain."
            + " If you wish to disable this check for your client, pass 'true' to the"
            + " SecretClientBuilder.disableChallengeResourceVerification() method when building it."
            + " See https://aka.ms/azsdk/blog/vault-uri for more information.";

    private final String vaultUrl;
    private final HttpClient http;
    private final TokenCredential credential;
    private final boolean verifyChallengeResource;
    private final CompletableFuture<Void> authorized;
    private final Object lock = new Object();
    /** The vault's answer to the first request: what a token must be for; null until then. */
    private volatile Challenge challenge;
    private AccessToken token;
    private Mono<AccessToken> tokenInFlight;

    /** What a vault's 401 asked for. */
    record Challenge(String scope, String tenantId) {
    }

    /**
     * @param vaultUrl normalised vault URL (https://host[:port])
     * @param authorized completed when a request first goes out with a token (the resolver starts its fan-out on it)
     */
    SecretReader(String vaultUrl, HttpClient http, TokenCredential credential, boolean verifyChallengeResource,
            CompletableFuture<Void> authorized) {
        this.vaultUrl = Objects.requireNonNull(vaultUrl);
        this.http = Objects.requireNonNull(http);
        this.credential = Objects.requireNonNull(credential);
        this.verifyChallengeResource = verifyChallengeResource;
        this.authorized = Objects.requireNonNull(authorized);
    }

    /** The latest version when {@code version} is null. Errors as the SDK's client raises them (see the class). */
    public Mono<Secret> get(String name, String version) {
        return Mono.defer(() -> {
            String url = vaultUrl + "/secrets/" + URLEncoder.encode(name, StandardCharsets.UTF_8) + "/"
                    + (version == null ? "" : URLEncoder.encode(version, StandardCharsets.UTF_8))
                    + "?api-version=" + API_VERSION;
            if (!url.startsWith("https://")) {
                return Mono.error(new RuntimeException("Token credentials require a URL using the HTTPS protocol scheme."));
            }
            Challenge known = challenge;
            // first contact: the challenge, then one request with a token; later: a token at once, and on a 401
            // (the token expired or was revoked since) one more try with a new token
            Mono<HttpResponse> answer = known == null
                    ? send(url, null).flatMap(r -> r.getStatusCode() == 401 ? onChallenge(url, r, false) : Mono.just(r))
                    : withToken(url, known, false, true);
            return answer.flatMap(r -> r.getBodyAsString().defaultIfEmpty("").map(body -> secretOrThrow(r, body)));
        });
    }

    private Mono<HttpResponse> withToken(String url, Challenge c, boolean newToken, boolean mayRetry) {
        return token(c, newToken).flatMap(t -> {
            authorized.complete(null);
            return send(url, t.getToken());
        }).flatMap(r -> r.getStatusCode() == 401 && mayRetry ? onChallenge(url, r, true) : Mono.just(r));
    }

    /** A 401 with a challenge: remember what it asks for and send the request with such a token (once). */
    private Mono<HttpResponse> onChallenge(String url, HttpResponse unauthorized, boolean newToken) {
        Challenge c;
        try {
            c = parseChallenge(unauthorized);
        } catch (RuntimeException e) {
            return Mono.error(e);
        }
        if (c == null) {
            // no usable challenge: the SDK hands the 401 to the caller as it is
            return Mono.just(unauthorized);
        }
        if (verifyChallengeResource && !resourceMatches(url, c.scope())) {
            return Mono.error(new RuntimeException(String.format(SDK_DOMAIN_MESSAGE, c.scope())));
        }
        challenge = c;
        return withToken(url, c, newToken, false);
    }

    /** The token for the challenge: the kept one while it is fresh, otherwise ONE request shared by all callers. */
    private Mono<AccessToken> token(Challenge c, boolean forceNew) {
        synchronized (lock) {
            AccessToken t = token;
            if (!forceNew && t != null && t.getExpiresAt().minus(TOKEN_MARGIN).isAfter(OffsetDateTime.now())) {
                return Mono.just(t);
            }
            if (forceNew && tokenInFlight == null) {
                token = null;
            }
            if (tokenInFlight == null) {
                TokenRequestContext request = new TokenRequestContext().addScopes(c.scope()).setTenantId(c.tenantId())
                        .setCaeEnabled(true);
                tokenInFlight = credential.getToken(request)
                        .doOnNext(fresh -> {
                            synchronized (lock) {
                                token = fresh;
                                tokenInFlight = null;
                            }
                        })
                        .doOnError(e -> {
                            synchronized (lock) {
                                tokenInFlight = null;
                            }
                        })
                        .cache();
            }
            return tokenInFlight;
        }
    }

    /** One request, counted as the SDK clients' requests are: the challenge without a token, Get Secret with one. */
    private Mono<HttpResponse> send(String url, String bearer) {
        HttpRequest request = new HttpRequest(HttpMethod.GET, url)
                .setHeader(HttpHeaderName.ACCEPT, "application/json")
                // azure-core's UUID, as its RequestIdPolicy: UUID.randomUUID() locks one SecureRandom per JVM
                .setHeader(HttpHeaderName.X_MS_CLIENT_REQUEST_ID, CoreUtils.randomUuid().toString());
        if (bearer != null) {
            request.setHeader(HttpHeaderName.AUTHORIZATION, "Bearer " + bearer);
        }
        String operation = bearer == null ? KvConfigMetrics.CHALLENGE : KvConfigMetrics.GET_SECRET;
        AtomicBoolean counted = new AtomicBoolean();
        return http.send(request)
                .doOnNext(r -> count(counted, operation, bearer == null && r.getStatusCode() == 401 ? KvConfigMetrics.SUCCESS
                        : KvConfigMetrics.outcome(r.getStatusCode())))
                .doOnError(e -> count(counted, operation, KvConfigMetrics.ERROR))
                .doOnCancel(() -> count(counted, operation, KvConfigMetrics.CANCELLED));
    }

    private static void count(AtomicBoolean counted, String operation, String outcome) {
        if (counted.compareAndSet(false, true)) {
            KvConfigMetrics.request(operation, outcome);
        }
    }

    /** The Bearer challenge's scope and tenant, as the SDK's policy reads them; null when there is none to answer. */
    static Challenge parseChallenge(HttpResponse response) {
        String header = response.getHeaderValue(HttpHeaderName.WWW_AUTHENTICATE);
        if (header == null) {
            return null;
        }
        List<AuthenticateChallenge> challenges = CoreUtils.parseAuthenticateHeader(header);
        Map<String, String> p = challenges.stream().filter(ch -> "Bearer".equals(ch.getScheme())).findFirst()
                .map(AuthenticateChallenge::getParameters).orElse(Map.of());
        String scope = p.get("resource") != null ? p.get("resource") + "/.default" : p.get("scope");
        if (scope == null) {
            return null;
        }
        String authorization = p.get("authorization") != null ? p.get("authorization") : p.get("authorization_uri");
        URI uri;
        try {
            uri = new URI(authorization);
        } catch (URISyntaxException | NullPointerException e) {
            throw new RuntimeException(String.format("The challenge authorization URI '%s' is invalid.", authorization), e);
        }
        String[] segments = uri.getPath() == null ? new String[0] : uri.getPath().split("/");
        return new Challenge(scope, segments.length > 1 ? segments[1] : null);
    }

    /** The SDK's check: the vault's host ends with "." + the scope's host (ignoring case). */
    static boolean resourceMatches(String url, String scope) {
        URI scopeUri;
        try {
            scopeUri = new URI(scope);
        } catch (URISyntaxException e) {
            throw new RuntimeException(String.format("The challenge resource '%s' is not a valid URI.", scope), e);
        }
        String host = URI.create(url).getHost();
        String suffix = "." + scopeUri.getHost();
        return host.regionMatches(true, host.length() - suffix.length(), suffix, 0, suffix.length());
    }

    /** 200: the value and version; any other status: the exception the SDK raises for it. */
    private static Secret secretOrThrow(HttpResponse response, String body) {
        int status = response.getStatusCode();
        if (status == 200) {
            return parseSecret(body);
        }
        Map<String, Object> error = JsonBodies.object(body);
        String message = "Status code " + status + ", " + (body == null || body.isEmpty() ? "(empty body)" : "\"" + body + "\"");
        throw switch (status) {
            case 401 -> new ClientAuthenticationException(message, response, error);
            case 404 -> new ResourceNotFoundException(message, response, error);
            // 403 too: SecretAsyncClient.getSecret maps it so (mapGetSecretException)
            case 403, 409 -> new ResourceModifiedException(message, response, error);
            default -> new HttpResponseException(message, response, error);
        };
    }

    /** {@code value} and the version from {@code id} (https://vault/secrets/name/version); the body is never quoted. */
    static Secret parseSecret(String body) {
        Map<String, Object> secret = JsonBodies.object(body);
        if (secret != null) {
            String value = secret.get("value") instanceof String s ? s : null;
            String version = null;
            if (secret.get("id") instanceof String id) {
                String[] parts = id.replaceAll("/+$", "").split("/");
                // https:, "", host, secrets, name, version
                version = parts.length >= 6 ? parts[parts.length - 1] : null;
            }
            return new Secret(value, version);
        }
        return new Secret(null, null);
    }

    @Override
    public String toString() {
        return "SecretReader[" + vaultUrl + "]";
    }
}
