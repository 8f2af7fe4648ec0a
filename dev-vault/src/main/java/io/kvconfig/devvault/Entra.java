package io.kvconfig.devvault;

import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Microsoft Entra ID side a workload identity talks to, on the HTTPS port (MSAL refuses a plain-http authority):
 * <ul>
 * <li>{@code GET /common/discovery/instance?api-version=1.1&authorization_endpoint=...}: MSAL's instance discovery,
 * sent to {@code login.microsoftonline.com} on the authority's port for any authority host it does not know;</li>
 * <li>{@code GET /{tenant}/v2.0/.well-known/openid-configuration}: the tenant's OpenID metadata;</li>
 * <li>{@code POST /{tenant}/oauth2/v2.0/token} with {@code grant_type=client_credentials} and a
 * {@code client_assertion} (the federated token file's content): the client-assertion token request.</li>
 * </ul>
 * A token is issued only for a client id registered with {@link DevVault.Builder#workloadIdentity} and exactly its
 * federated token; anything else gets Entra's error answer ({@code error}, {@code error_description} with the AADSTS
 * code, {@code error_codes}, trace and correlation ids). No answer or log line quotes an assertion.
 */
final class Entra {
    static final String ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
    /** The hosts Entra's instance discovery lists as one cloud (public Azure). */
    static final List<String> PUBLIC_CLOUD_ALIASES = List.of("login.microsoftonline.com", "login.windows.net",
            "login.microsoft.com", "sts.windows.net");
    private static final List<String> OPENID_SCOPES = List.of("openid", "profile", "offline_access");
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final DateTimeFormatter TIMESTAMP = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss'Z'")
            .withZone(ZoneOffset.UTC);

    private final Tokens tokens;
    private final String tenantId;
    /** client id -> its federated token (the content of AZURE_FEDERATED_TOKEN_FILE). */
    private final Map<String, String> federated;
    private final List<String> ownHosts;

    Entra(Tokens tokens, String tenantId, Map<String, String> federated, List<String> ownHosts) {
        this.tokens = tokens;
        this.tenantId = tenantId;
        this.federated = Map.copyOf(federated);
        this.ownHosts = ownHosts;
    }

    /** Whether a path is one of Entra's (the HTTPS port's other roots are secrets, subscriptions, ip). */
    static boolean handles(List<String> s) {
        if (s.size() == 3 && s.get(0).equalsIgnoreCase("common") && s.get(1).equals("discovery")
                && s.get(2).equals("instance")) {
            return true;
        }
        return s.size() == 4 && (s.get(1).equals("oauth2") && s.get(2).equals("v2.0") && s.get(3).equals("token")
                || s.get(1).equals("v2.0") && s.get(2).equals(".well-known") && s.get(3).equals("openid-configuration"));
    }

    void handle(Request r) throws IOException {
        List<String> s = r.segments;
        if (s.size() == 3) {
            r.operation = "EntraInstanceDiscovery";
            instanceDiscovery(r);
        } else if (s.get(1).equals("v2.0")) {
            r.operation = "EntraOpenIdConfiguration";
            openIdConfiguration(r, s.get(0));
        } else {
            r.operation = "EntraTokenRejected";
            token(r, s.get(0));
        }
    }

    private void instanceDiscovery(Request r) throws IOException {
        requireMethod(r, "GET");
        String endpoint = r.param("authorization_endpoint");
        String host;
        try {
            host = endpoint == null ? null : URI.create(endpoint).getHost();
        } catch (IllegalArgumentException e) {
            host = null;
        }
        if (host == null) {
            throw error(400, "invalid_request", 90014, "The request body must contain the following parameter: "
                    + "'authorization_endpoint'.");
        }
        host = host.toLowerCase(Locale.ROOT);
        List<String> aliases;
        if (PUBLIC_CLOUD_ALIASES.contains(host)) {
            aliases = PUBLIC_CLOUD_ALIASES;
        } else if (ownHosts.contains(host)) {
            // the dev vault's own names are a cloud of their own: MSAL keeps talking to the host it was given
            aliases = List.of(host);
        } else {
            throw error(400, "invalid_instance", 50049, "Unknown or invalid instance.");
        }
        ObjectNode body = JSON.objectNode();
        body.put("tenant_discovery_endpoint", "https://" + host + "/common/v2.0/.well-known/openid-configuration");
        body.put("api-version", "1.1");
        ObjectNode entry = body.putArray("metadata").addObject();
        entry.put("preferred_network", aliases.get(0));
        entry.put("preferred_cache", aliases.size() > 1 ? aliases.get(1) : aliases.get(0));
        aliases.forEach(entry.putArray("aliases")::add);
        r.operation = "EntraInstanceDiscovery";
        r.sendJson(200, body);
    }

    private void openIdConfiguration(Request r, String tenant) throws IOException {
        requireMethod(r, "GET");
        String base = "https://" + hostOf(r) + "/" + tenant;
        ObjectNode body = JSON.objectNode();
        body.put("token_endpoint", base + "/oauth2/v2.0/token");
        body.putArray("token_endpoint_auth_methods_supported").add("client_secret_post").add("private_key_jwt")
                .add("client_secret_basic");
        body.put("jwks_uri", base + "/discovery/v2.0/keys");
        body.putArray("response_modes_supported").add("query").add("fragment").add("form_post");
        body.putArray("subject_types_supported").add("pairwise");
        body.putArray("id_token_signing_alg_values_supported").add("RS256");
        body.putArray("response_types_supported").add("code").add("id_token").add("code id_token").add("id_token token");
        body.putArray("scopes_supported").add("openid").add("profile").add("email").add("offline_access");
        body.put("issuer", "https://" + hostOf(r) + "/" + tenantId + "/v2.0");
        body.put("request_uri_parameter_supported", false);
        body.put("authorization_endpoint", base + "/oauth2/v2.0/authorize");
        body.put("device_authorization_endpoint", base + "/oauth2/v2.0/devicecode");
        body.put("end_session_endpoint", base + "/oauth2/v2.0/logout");
        body.put("tenant_region_scope", "EU");
        body.put("cloud_instance_name", "microsoftonline.com");
        r.sendJson(200, body);
    }

    private void token(Request r, String tenant) throws IOException {
        requireMethod(r, "POST");
        Map<String, String> form = form(r.body());
        if (!tenant.equalsIgnoreCase(tenantId) && !tenant.equalsIgnoreCase("organizations")) {
            throw error(400, "invalid_tenant", 90002, "Tenant '" + tenant + "' not found. Check to make sure you have"
                    + " the correct tenant ID and are signing into the correct cloud.");
        }
        String grant = form.get("grant_type");
        if (grant == null) {
            throw error(400, "invalid_request", 900144, "The request body must contain the following parameter: "
                    + "'grant_type'.");
        }
        if (!grant.equals("client_credentials")) {
            throw error(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '"
                    + grant + "'.");
        }
        String clientId = form.get("client_id");
        if (clientId == null || clientId.isBlank()) {
            throw error(400, "invalid_request", 900144, "The request body must contain the following parameter: "
                    + "'client_id'.");
        }
        // MSAL adds the OpenID scopes (openid profile offline_access) to the one resource/.default scope
        String scopes = form.getOrDefault("scope", "");
        List<String> resources = java.util.Arrays.stream(scopes.split(" ")).filter(x -> !x.isBlank())
                .filter(x -> !OPENID_SCOPES.contains(x)).toList();
        if (resources.size() != 1 || !resources.get(0).endsWith("/.default")) {
            throw error(400, "invalid_scope", 1002012, "The provided value for scope " + scopes + " is not valid."
                    + " Client credential flows must have a scope value with /.default suffixed to the resource"
                    + " identifier (application ID URI).");
        }
        String scope = resources.get(0);
        if (!ASSERTION_TYPE.equals(form.get("client_assertion_type")) || form.get("client_assertion") == null) {
            throw error(401, "invalid_client", 7000218, "The request body must contain the following parameter: "
                    + "'client_assertion' or 'client_secret'.");
        }
        String expected = federated.get(clientId);
        if (expected == null) {
            throw error(400, "unauthorized_client", 700016, "Application with identifier '" + clientId + "' was not"
                    + " found in the directory '" + tenantId + "'. This can happen if the application has not been"
                    + " installed by the administrator of the tenant or consented to by any user in the tenant.");
        }
        String assertion = form.get("client_assertion");
        if (!MessageDigest.isEqual(expected.getBytes(StandardCharsets.UTF_8), assertion.getBytes(StandardCharsets.UTF_8))) {
            String subject = subject(assertion);
            if (subject == null) {
                throw error(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
            }
            throw error(401, "invalid_client", 700213, "No matching federated identity record found for presented"
                    + " assertion subject '" + subject + "'. Check your federated identity credential Subject,"
                    + " Audience and Issuer against the presented assertion."
                    + " https://learn.microsoft.com/entra/workload-id/workload-identity-federation");
        }
        String resource = scope.substring(0, scope.length() - "/.default".length());
        Tokens.Issued t = tokens.issue(resource, clientId);
        long in = t.expiresOn() - Instant.now().getEpochSecond();
        ObjectNode body = JSON.objectNode();
        body.put("token_type", "Bearer");
        body.put("expires_in", in);
        body.put("ext_expires_in", in);
        body.put("access_token", t.accessToken());
        r.operation = "EntraToken";
        r.sendJson(200, body);
    }

    /** The assertion's {@code sub} claim (a JWT's payload), null when it is not a JWT: Entra names the subject. */
    private static String subject(String assertion) {
        String[] parts = assertion.split("\\.", -1);
        if (parts.length != 3) {
            return null;
        }
        try {
            JsonNode claims = MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            String sub = claims == null ? null : claims.path("sub").asText(null);
            return sub == null || !sub.matches("[\\x20-\\x7e]{1,256}") ? null : sub;
        } catch (IOException | IllegalArgumentException e) {
            return null;
        }
    }

    private static void requireMethod(Request r, String method) {
        if (!r.method.equals(method)) {
            throw error(405, "invalid_request", 900561, "The endpoint only accepts " + method + " requests.");
        }
    }

    private static String hostOf(Request r) {
        String host = r.header("Host");
        return host == null || host.isBlank() ? "localhost" : host.strip();
    }

    private static Map<String, String> form(byte[] body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : new String(body, StandardCharsets.UTF_8).split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.putIfAbsent(k, v);
        }
        return m;
    }

    /** Entra's error answer: {@code AADSTS<code>: <text>} with its trace, correlation and timestamp lines. */
    static EntraError error(int status, String error, int code, String text) {
        return new EntraError(status, error, code, text);
    }

    static final class EntraError extends RuntimeException {
        final int status;
        final String error;
        final int code;

        EntraError(int status, String error, int code, String text) {
            super(text, null, false, false);
            this.status = status;
            this.error = error;
            this.code = code;
        }

        void send(Request r) throws IOException {
            String trace = UUID.randomUUID().toString();
            String correlation = UUID.randomUUID().toString();
            String timestamp = TIMESTAMP.format(Instant.now());
            ObjectNode body = JSON.objectNode();
            body.put("error", error);
            body.put("error_description", "AADSTS" + code + ": " + getMessage() + " Trace ID: " + trace
                    + " Correlation ID: " + correlation + " Timestamp: " + timestamp);
            body.putArray("error_codes").add(code);
            body.put("timestamp", timestamp);
            body.put("trace_id", trace);
            body.put("correlation_id", correlation);
            body.put("error_uri", "https://login.microsoftonline.com/error?code=" + code);
            r.sendJson(status, body);
        }
    }
}
