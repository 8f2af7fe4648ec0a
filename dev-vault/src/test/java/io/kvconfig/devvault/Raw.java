package io.kvconfig.devvault;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/** Plain java.net.http requests against a dev vault (hostname verification on, trusting its CA only). */
final class Raw {
    static final ObjectMapper JSON = new ObjectMapper();
    private final DevVault vault;
    private final HttpClient http;

    Raw(DevVault vault) {
        this.vault = vault;
        this.http = HttpClient.newBuilder().sslContext(vault.clientSslContext()).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    String vaultToken() {
        return vault.issueToken("https://vault.azure.net", Duration.ofMinutes(5));
    }

    String armToken() {
        return vault.issueToken("https://management.azure.com/", Duration.ofMinutes(5));
    }

    HttpResponse<String> send(String method, String url, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url.startsWith("http") ? url : vault.vaultUrl() + url))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> get(String pathOrUrl) {
        return send("GET", pathOrUrl, vaultToken(), null);
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    static String errorCode(HttpResponse<String> response) {
        return json(response).path("error").path("code").asText();
    }
}
