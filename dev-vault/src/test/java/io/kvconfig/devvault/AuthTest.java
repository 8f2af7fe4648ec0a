package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.azure.core.http.HttpClient;
import com.azure.security.keyvault.secrets.SecretClient;
import com.fasterxml.jackson.databind.JsonNode;

/** Token endpoint (both styles) and challenge authentication. */
class AuthTest {
    private static DevVault vault;
    private static Raw raw;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().build().start();
        vault.setSecret("auth-secret", "auth-value");
        raw = new Raw(vault);
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @Test
    void imdsStyleDefaultAzureCredentialWorks() {
        vault.journal().reset();
        HttpClient http = Sdk.httpClient(vault);
        SecretClient client = Sdk.builder(vault, Sdk.imdsCredential(vault, http), http, 1).buildClient();
        assertThat(client.getSecret("auth-secret").getValue()).isEqualTo("auth-value");
        assertThat(vault.journal().entries())
                .anySatisfy(e -> {
                    assertThat(e.operation()).isEqualTo("Token");
                    assertThat(e.path()).isEqualTo("/metadata/identity/oauth2/token");
                });
        assertThat(vault.journal().count("Token")).isEqualTo(1);
    }

    @Test
    void appServiceStyleDefaultAzureCredentialWorks() {
        vault.journal().reset();
        HttpClient http = Sdk.httpClient(vault);
        SecretClient client = Sdk.builder(vault, Sdk.appServiceCredential(vault, http), http, 1).buildClient();
        assertThat(client.getSecret("auth-secret").getValue()).isEqualTo("auth-value");
        assertThat(vault.journal().entries())
                .anySatisfy(e -> {
                    assertThat(e.operation()).isEqualTo("Token");
                    assertThat(e.path()).isEqualTo("/msi/token");
                });
    }

    @Test
    void tokenEndpointAnswersLikeAppServiceAndImds() {
        HttpResponse<String> appService = raw.send(HttpRequest.newBuilder(URI.create(vault.identityEndpoint()
                + "?api-version=2019-08-01&resource=https://vault.azure.net"))
                .header("X-IDENTITY-HEADER", vault.identityHeader()).build());
        assertThat(appService.statusCode()).isEqualTo(200);
        JsonNode t = Raw.json(appService);
        assertThat(t.path("token_type").asText()).isEqualTo("Bearer");
        assertThat(t.path("resource").asText()).isEqualTo("https://vault.azure.net");
        assertThat(Long.parseLong(t.path("expires_on").asText())).isGreaterThan(Instant.now().getEpochSecond());
        assertThat(raw.send("GET", "/secrets/auth-secret?api-version=7.4", t.path("access_token").asText(), null)
                .statusCode()).isEqualTo(200);

        // the SDK calls IMDS with a double slash
        HttpResponse<String> imds = raw.send(HttpRequest.newBuilder(URI.create(vault.podIdentityAuthorityHost()
                + "//metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://management.azure.com/"))
                .header("Metadata", "true").build());
        assertThat(imds.statusCode()).isEqualTo(200);
        assertThat(Raw.json(imds).path("expires_in").asText()).matches("\\d+");

        assertThat(raw.send(HttpRequest.newBuilder(URI.create(vault.podIdentityAuthorityHost()
                + "/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https://vault.azure.net")).build())
                .statusCode()).as("IMDS without Metadata: true").isEqualTo(400);
        assertThat(raw.send(HttpRequest.newBuilder(URI.create(vault.identityEndpoint()
                + "?api-version=2019-08-01&resource=https://vault.azure.net")).build())
                .statusCode()).as("no X-IDENTITY-HEADER").isEqualTo(401);
        assertThat(raw.send(HttpRequest.newBuilder(URI.create(vault.identityEndpoint()
                + "?api-version=2019-08-01&resource=https://vault.azure.net"))
                .header("X-IDENTITY-HEADER", "wrong").build()).statusCode()).isEqualTo(401);
        assertThat(raw.send(HttpRequest.newBuilder(URI.create(vault.identityEndpoint() + "?api-version=2019-08-01"))
                .header("X-IDENTITY-HEADER", vault.identityHeader()).build()).statusCode())
                .as("no resource").isEqualTo(400);
    }

    @Test
    void requestWithoutTokenGetsTheChallenge() {
        HttpResponse<String> r = raw.send("GET", "/secrets/auth-secret/?api-version=2025-07-01", null, null);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("WWW-Authenticate")).contains("Bearer authorization=\""
                + "https://login.microsoftonline.com/" + vault.tenantId() + "\", resource=\"https://vault.azure.net\"");
        assertThat(Raw.errorCode(r)).isEqualTo("Unauthorized");
        assertThat(r.headers().firstValue("x-ms-keyvault-network-info"))
                .contains("conn_type=Ipv4;addr=203.0.113.10;act_addr_fam=InterNetwork;");
        assertThat(r.body()).doesNotContain("auth-value");
    }

    @Test
    void unissuedExpiredAndWrongAudienceTokensAreRejected() {
        String good = raw.vaultToken();
        assertThat(raw.send("GET", "/secrets/auth-secret?api-version=7.4", good, null).statusCode()).isEqualTo(200);

        String[] parts = good.split("\\.");
        String forged = parts[0] + "." + parts[1] + "." + Base64.getUrlEncoder().withoutPadding()
                .encodeToString("not-the-signature".getBytes(StandardCharsets.UTF_8));
        String expired = vault.issueToken("https://vault.azure.net", Duration.ZERO);
        String armToken = raw.armToken();
        for (String bad : new String[] {forged, expired, armToken, "not-a-jwt", unsignedToken()}) {
            HttpResponse<String> r = raw.send("GET", "/secrets/auth-secret?api-version=7.4", bad, null);
            assertThat(r.statusCode()).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).isPresent();
        }
        // and ARM refuses a data-plane token
        HttpResponse<String> arm = raw.send("GET", vault.resourceManagerUrl().replaceAll("/$", "")
                + vault.vaultResourceId() + "?api-version=2025-05-01", good, null);
        assertThat(arm.statusCode()).isEqualTo(401);
        assertThat(Raw.errorCode(arm)).isEqualTo("InvalidAuthenticationTokenAudience");
        HttpResponse<String> armOk = raw.send("GET", vault.vaultResourceId() + "?api-version=2025-05-01", armToken, null);
        assertThat(armOk.statusCode()).isEqualTo(200);
        assertThat(Raw.json(armOk).path("properties").path("networkAcls").path("defaultAction").asText())
                .isEqualTo("Allow");
    }

    @Test
    void ipEchoAnswersThePublicIpAsPlainText() {
        HttpResponse<String> r = raw.send("GET", vault.ipEchoUrl(), null, null);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body().trim()).isEqualTo("203.0.113.10");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        // hostname verification is on: 127.0.0.1 is in the certificate too
        assertThat(raw.send("GET", "https://127.0.0.1:" + vault.httpsPort() + "/ip", null, null).statusCode())
                .isEqualTo(200);
    }

    private static String unsignedToken() {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = b64.encodeToString(("{\"aud\":\"https://vault.azure.net\",\"exp\":"
                + (Instant.now().getEpochSecond() + 3600) + "}").getBytes(StandardCharsets.UTF_8));
        return header + "." + claims + ".";
    }
}
