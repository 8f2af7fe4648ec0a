package io.kvconfig.runtime.vault;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Objects;

import com.azure.core.credential.AccessToken;
import com.azure.core.credential.TokenCredential;
import com.azure.core.credential.TokenRequestContext;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;

import reactor.core.publisher.Mono;

/**
 * Managed identity through an explicitly configured App Service style endpoint
 * ({@code quarkus.kvconfig.credential.identity-endpoint} + {@code identity-header}, protocol 2019-08-01).
 * <p>
 * Why not the SDK's ManagedIdentityCredential with a {@code Configuration}: since azure-identity moved managed
 * identity onto MSAL, MSAL reads {@code IDENTITY_ENDPOINT} only from the process environment (a Configuration
 * value is ignored and the call goes to IMDS) and caches managed identity tokens in a JVM-wide static cache, so
 * two vaults (dev mode restarts, tests) would share tokens. This credential uses the one shared HTTP client and
 * no static state; the SDK's bearer policy caches its token per vault client. Without the setting, the SDK's own
 * credentials (DefaultAzureCredential, ManagedIdentityCredential reading the real environment) are used.
 */
final class IdentityEndpointCredential implements TokenCredential {

    static final String API_VERSION = "2019-08-01";
    private final HttpClient http;
    private final String endpoint;
    private final String header;
    private final String clientId;

    IdentityEndpointCredential(HttpClient http, String endpoint, String header, String clientId) {
        this.http = Objects.requireNonNull(http);
        this.endpoint = Objects.requireNonNull(endpoint);
        this.header = header;
        this.clientId = clientId;
    }

    @Override
    public Mono<AccessToken> getToken(TokenRequestContext request) {
        return Mono.defer(() -> {
            String scope = request.getScopes().isEmpty() ? "https://vault.azure.net/.default" : request.getScopes().get(0);
            String resource = scope.endsWith("/.default") ? scope.substring(0, scope.length() - "/.default".length()) : scope;
            StringBuilder url = new StringBuilder(endpoint).append(endpoint.contains("?") ? '&' : '?')
                    .append("api-version=").append(API_VERSION)
                    .append("&resource=").append(URLEncoder.encode(resource, StandardCharsets.UTF_8));
            if (clientId != null) {
                url.append("&client_id=").append(URLEncoder.encode(clientId, StandardCharsets.UTF_8));
            }
            HttpRequest req = new HttpRequest(HttpMethod.GET, url.toString());
            if (header != null) {
                req.setHeader("X-IDENTITY-HEADER", header);
            }
            return http.send(req).flatMap(resp -> {
                int status = resp.getStatusCode();
                if (status != 200) {
                    resp.close();
                    // the body is not quoted: keep token endpoint answers out of messages
                    return Mono.error(new ClientAuthenticationException("managed identity endpoint " + endpoint
                            + " answered HTTP " + status + (status == 401 ? " (wrong identity-header?)" : ""), null));
                }
                return resp.getBodyAsString().map(this::parse);
            });
        });
    }

    private AccessToken parse(String body) {
        Map<String, Object> m = JsonBodies.object(body);
        if (m != null && m.get("access_token") instanceof String token) {
            return new AccessToken(token, expiry(m.get("expires_on")));
        }
        // never quote the body, it holds the token
        throw new ClientAuthenticationException("managed identity endpoint " + endpoint
                + " answered without an access_token", null);
    }

    private static OffsetDateTime expiry(Object expiresOn) {
        try {
            long epoch = expiresOn instanceof Number n ? n.longValue() : Long.parseLong(String.valueOf(expiresOn).strip());
            return OffsetDateTime.ofInstant(Instant.ofEpochSecond(epoch), ZoneOffset.UTC);
        } catch (RuntimeException e) {
            // unknown format: assume a short life so it is refreshed soon
            return OffsetDateTime.now(ZoneOffset.UTC).plusMinutes(5);
        }
    }

    @Override
    public String toString() {
        return "IdentityEndpointCredential[" + endpoint + "]";
    }
}
