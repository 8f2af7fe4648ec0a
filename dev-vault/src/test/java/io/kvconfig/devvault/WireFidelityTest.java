package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.azure.core.http.rest.PagedResponse;
import com.azure.core.http.rest.Response;
import com.azure.core.util.Context;
import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;
import com.fasterxml.jackson.databind.JsonNode;

/** Key Vault data-plane wire details (issue 15 items 5-7): empty version lists, nextLink, standard headers. */
class WireFidelityTest {
    private static DevVault vault;
    private static SecretClient client;
    private static Raw raw;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().build().start();
        for (int i = 0; i < 3; i++) {
            vault.setSecret("wire-" + i, "wire-value-" + i);
        }
        client = Sdk.secretClient(vault);
        raw = new Raw(vault);
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @Test
    void versionsOfASecretThatNeverExistedAreAnEmptyList() {
        List<SecretProperties> versions = client.listPropertiesOfSecretVersions("never-existed").stream().toList();
        assertThat(versions).isEmpty();
        HttpResponse<String> r = raw.get("/secrets/never-existed/versions?api-version=7.6");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode body = Raw.json(r);
        assertThat(body.path("value").isArray()).isTrue();
        assertThat(body.path("value")).isEmpty();
        assertThat(body.has("nextLink")).isTrue();
        assertThat(body.get("nextLink").isNull()).isTrue();
        // a secret that is there still lists its versions; a bad name is still 400
        assertThat(client.listPropertiesOfSecretVersions("wire-0").stream().count()).isEqualTo(1);
        assertThat(raw.get("/secrets/bad_name/versions?api-version=7.6").statusCode()).isEqualTo(400);
    }

    @Test
    void nextLinkRepeatsMaxresultsOnlyWhenTheRequestHadIt() {
        String withMax = Raw.json(raw.get("/secrets?api-version=7.6&maxresults=1")).path("nextLink").asText();
        assertThat(withMax).startsWith(vault.vaultUrl() + "/secrets?api-version=7.6&$skiptoken=")
                .endsWith("&maxresults=1");

        for (int i = 0; i < 30; i++) {
            vault.setSecret("many-" + i, "v");
        }
        String withoutMax = Raw.json(raw.get("/secrets?api-version=7.6")).path("nextLink").asText();
        assertThat(withoutMax).startsWith(vault.vaultUrl() + "/secrets?api-version=7.6&$skiptoken=")
                .doesNotContain("maxresults");
        // the SDK follows it to the end either way
        PagedResponse<SecretProperties> first = client.listPropertiesOfSecrets().iterableByPage().iterator().next();
        assertThat(first.getContinuationToken()).contains("$skiptoken=").doesNotContain("maxresults");
        assertThat(client.listPropertiesOfSecrets().stream().count()).isEqualTo(33);
    }

    @Test
    void everyAnswerCarriesTheServiceHeadersAndEchoesTheClientRequestId() {
        // a client with azure-core's RequestIdPolicy sends a fresh id on every call: the answer names it
        com.azure.core.http.HttpClient http = Sdk.httpClient(vault);
        SecretClient withIds = Sdk.builder(vault, Sdk.appServiceCredential(vault, http), http, 0)
                .addPolicy(new com.azure.core.http.policy.RequestIdPolicy()).buildClient();
        Response<KeyVaultSecret> sdk = withIds.getSecretWithResponse("wire-1", null, Context.NONE);
        String sent = sdk.getRequest().getHeaders().getValue("x-ms-client-request-id");
        assertThat(sent).matches("[0-9a-f-]{36}");
        assertThat(sdk.getHeaders().getValue("x-ms-client-request-id")).isEqualTo(sent);

        String token = raw.vaultToken();
        List<HttpResponse<String>> answers = List.of(
                send("/secrets/wire-1?api-version=7.6", token, "a1b2c3"),
                send("/secrets/not-there?api-version=7.6", token, "a1b2c4"),
                send("/secrets/wire-1?api-version=7.6", null, "a1b2c5"),
                send(vault.vaultResourceId() + "?api-version=2025-05-01", raw.armToken(), "a1b2c6"),
                send("/ip", null, "a1b2c7"));
        assertThat(answers).extracting(HttpResponse::statusCode).containsExactly(200, 404, 401, 200, 200);
        for (HttpResponse<String> r : answers) {
            assertThat(r.headers().firstValue("Cache-Control")).contains("no-cache");
            assertThat(r.headers().firstValue("Pragma")).contains("no-cache");
            assertThat(r.headers().firstValue("Expires")).contains("-1");
            assertThat(r.headers().firstValue("Strict-Transport-Security")).contains("max-age=31536000;includeSubDomains");
            assertThat(r.headers().firstValue("X-Content-Type-Options")).contains("nosniff");
            assertThat(r.headers().firstValue("Date")).hasValueSatisfying(d -> assertThat(d).endsWith(" GMT"));
            assertThat(r.headers().firstValue("x-ms-request-id")).isPresent();
            String expected = r.request().headers().firstValue("x-ms-client-request-id").orElseThrow();
            assertThat(r.headers().firstValue("x-ms-client-request-id")).contains(expected);
        }
        // without one sent, none comes back; something that is not an id is not echoed
        assertThat(raw.get("/secrets/wire-1?api-version=7.6").headers().firstValue("x-ms-client-request-id")).isEmpty();
        assertThat(send("/secrets/wire-1?api-version=7.6", token, "<script>").headers()
                .firstValue("x-ms-client-request-id")).isEmpty();
    }

    private static HttpResponse<String> send(String path, String token, String clientRequestId) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(vault.vaultUrl() + path))
                .timeout(Duration.ofSeconds(10)).header("x-ms-client-request-id", clientRequestId).GET();
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return raw.send(b.build());
    }
}
