package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Entra ID's side of workload identity on the HTTPS port, on the wire: instance discovery, OpenID metadata and the
 * client-assertion token request, with Entra's answers for a wrong assertion, an unknown client and bad requests.
 * (The real azure-identity WorkloadIdentityCredential against it: the runtime's CredentialsTest.)
 */
class EntraTest {
    static final String TENANT = "7d4c1b2a-0e3f-4a5b-8c9d-1e2f3a4b5c6d";
    static final String CLIENT_ID = "3b9e8f1c-5a2d-4c6e-9f0a-7b8c9d0e1f2a";
    static final String FEDERATED = jwt("system:serviceaccount:apps:kvconfig") + "good-signature";
    static final String OTHER = jwt("system:serviceaccount:apps:other") + "other-signature";
    private static DevVault vault;
    private static Raw raw;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().tenantId(TENANT).workloadIdentity(CLIENT_ID, FEDERATED).build().start();
        vault.setSecret("entra-secret", "entra-value");
        raw = new Raw(vault);
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.journal().reset();
    }

    static String jwt(String subject) {
        Base64.Encoder b = Base64.getUrlEncoder().withoutPadding();
        return b.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b.encodeToString(("{\"sub\":\"" + subject + "\",\"aud\":[\"api://AzureADTokenExchange\"]}")
                        .getBytes(StandardCharsets.UTF_8)) + ".";
    }

    static Map<String, String> tokenForm(String clientId, String assertion) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("client_assertion", assertion);
        f.put("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        f.put("client_id", clientId);
        f.put("grant_type", "client_credentials");
        // as MSAL sends it: the OpenID scopes besides the resource's .default
        f.put("scope", "https://vault.azure.net/.default openid profile offline_access");
        return f;
    }

    HttpResponse<String> post(String path, Map<String, String> form) {
        String body = form.entrySet().stream().map(e -> e.getKey() + "=" + URLEncoder.encode(e.getValue(),
                StandardCharsets.UTF_8)).collect(Collectors.joining("&"));
        return raw.send(HttpRequest.newBuilder(URI.create(vault.vaultUrl() + path))
                .header("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build());
    }

    @Test
    void theFederatedTokenOfARegisteredClientGetsAVaultTokenInEntrasShape() throws Exception {
        HttpResponse<String> r = post("/" + TENANT + "/oauth2/v2.0/token", tokenForm(CLIENT_ID, FEDERATED));

        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode body = Raw.json(r);
        assertThat(body.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(body.path("expires_in").isNumber()).isTrue();
        assertThat(body.path("expires_in").asLong()).isBetween(3500L, 3600L);
        assertThat(body.path("ext_expires_in").asLong()).isEqualTo(body.path("expires_in").asLong());
        String token = body.path("access_token").asText();
        // issued to the workload's application, for the vault: the data plane accepts it
        JsonNode claims = Raw.JSON.readTree(Base64.getUrlDecoder().decode(token.split("\\.")[1]));
        assertThat(claims.path("appid").asText()).isEqualTo(CLIENT_ID);
        assertThat(claims.path("tid").asText()).isEqualTo(TENANT);
        assertThat(claims.path("aud").asText()).isEqualTo("https://vault.azure.net");
        HttpResponse<String> secret = raw.send("GET", "/secrets/entra-secret?api-version=7.5", token, null);
        assertThat(secret.statusCode()).isEqualTo(200);
        assertThat(vault.journal().count("EntraToken")).isEqualTo(1);
        // "organizations" is accepted as Entra does for a single-tenant app
        assertThat(post("/organizations/oauth2/v2.0/token", tokenForm(CLIENT_ID, FEDERATED)).statusCode()).isEqualTo(200);
    }

    @Test
    void aWrongAssertionIsInvalidClientNamingItsSubjectNeverItsValue() {
        HttpResponse<String> r = post("/" + TENANT + "/oauth2/v2.0/token", tokenForm(CLIENT_ID, OTHER));

        assertThat(r.statusCode()).isEqualTo(401);
        JsonNode body = Raw.json(r);
        assertThat(body.path("error").asText()).isEqualTo("invalid_client");
        assertThat(body.path("error_description").asText())
                .startsWith("AADSTS700213: No matching federated identity record found for presented assertion subject"
                        + " 'system:serviceaccount:apps:other'.")
                .contains("Trace ID: ", "Correlation ID: ", "Timestamp: ");
        assertThat(body.path("error_codes").get(0).asInt()).isEqualTo(700213);
        assertThat(body.path("error_uri").asText()).isEqualTo("https://login.microsoftonline.com/error?code=700213");
        assertThat(body.has("trace_id") && body.has("correlation_id") && body.has("timestamp")).isTrue();
        assertThat(r.body()).doesNotContain(OTHER).doesNotContain("other-signature").doesNotContain(FEDERATED);
        assertThat(vault.journal().count("EntraTokenRejected")).isEqualTo(1);
        assertThat(vault.journal().count("EntraToken")).isZero();
    }

    @Test
    void unknownClientMalformedAssertionAndBadRequestsGetEntrasErrors() {
        String token = "/" + TENANT + "/oauth2/v2.0/token";
        assertError(post(token, tokenForm("00000000-0000-0000-0000-00000000beef", FEDERATED)), 400,
                "unauthorized_client", 700016);
        assertError(post(token, tokenForm(CLIENT_ID, "not-a-jwt")), 400, "invalid_request", 50027);
        Map<String, String> noAssertion = tokenForm(CLIENT_ID, FEDERATED);
        noAssertion.remove("client_assertion");
        assertError(post(token, noAssertion), 401, "invalid_client", 7000218);
        Map<String, String> noDefault = tokenForm(CLIENT_ID, FEDERATED);
        noDefault.put("scope", "https://vault.azure.net/secrets.read");
        assertError(post(token, noDefault), 400, "invalid_scope", 1002012);
        Map<String, String> password = tokenForm(CLIENT_ID, FEDERATED);
        password.put("grant_type", "password");
        assertError(post(token, password), 400, "unsupported_grant_type", 70003);
        assertError(post("/11111111-2222-3333-4444-555555555555/oauth2/v2.0/token", tokenForm(CLIENT_ID, FEDERATED)),
                400, "invalid_tenant", 90002);
        assertError(raw.send("GET", token, null, null), 405, "invalid_request", 900561);
        assertThat(vault.journal().count("EntraToken")).isZero();
    }

    @Test
    void instanceDiscoveryAnswersThePublicCloudAndTheDevVaultsOwnHostsOnly() {
        JsonNode pub = Raw.json(raw.send("GET", "/common/discovery/instance?api-version=1.1&authorization_endpoint="
                + "https://login.microsoftonline.com/" + TENANT + "/oauth2/v2.0/authorize", null, null));
        assertThat(pub.path("tenant_discovery_endpoint").asText()).startsWith("https://login.microsoftonline.com/");
        assertThat(pub.path("metadata").get(0).path("preferred_network").asText()).isEqualTo("login.microsoftonline.com");
        assertThat(pub.path("metadata").get(0).path("aliases").toString()).contains("login.windows.net", "sts.windows.net");

        JsonNode own = Raw.json(raw.send("GET", "/common/discovery/instance?api-version=1.1&authorization_endpoint="
                + "https://localhost:" + vault.httpsPort() + "/" + TENANT + "/oauth2/v2.0/authorize", null, null));
        assertThat(own.path("metadata").get(0).path("preferred_network").asText()).isEqualTo("localhost");

        assertError(raw.send("GET", "/common/discovery/instance?api-version=1.1&authorization_endpoint="
                + "https://login.example.org/common/oauth2/v2.0/authorize", null, null), 400, "invalid_instance", 50049);
        assertThat(vault.journal().count("EntraInstanceDiscovery")).isEqualTo(3);
    }

    @Test
    void openIdConfigurationNamesTheTenantsTokenEndpoint() {
        HttpResponse<String> r = raw.send("GET", "/" + TENANT + "/v2.0/.well-known/openid-configuration", null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode c = Raw.json(r);
        assertThat(c.path("token_endpoint").asText()).endsWith("/" + TENANT + "/oauth2/v2.0/token");
        assertThat(c.path("issuer").asText()).endsWith("/" + TENANT + "/v2.0");
        assertThat(c.path("token_endpoint_auth_methods_supported").toString()).contains("private_key_jwt");
    }

    @Test
    void aWorkloadIdentityNeedsAClientIdAndAToken() {
        assertThatThrownBy(() -> DevVault.builder().workloadIdentity(CLIENT_ID, " "))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> DevVault.builder().workloadIdentity(null, FEDERATED))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining(FEDERATED);
    }

    private static void assertError(HttpResponse<String> r, int status, String error, int code) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        JsonNode body = Raw.json(r);
        assertThat(body.path("error").asText()).isEqualTo(error);
        assertThat(body.path("error_description").asText()).startsWith("AADSTS" + code + ": ");
        assertThat(body.path("error_codes").get(0).asInt()).isEqualTo(code);
        assertThat(r.body()).doesNotContain(FEDERATED);
    }
}
