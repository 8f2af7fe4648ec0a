package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import javax.net.ssl.HttpsURLConnection;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * The HTTPS port speaks HTTP/2 (ALPN h2) as Key Vault does, so a burst of requests shares one connection, and still
 * HTTP/1.1 for clients that only speak that. Counts come from the journal; nothing here measures time.
 */
class Http2Test {
    private static final int BURST = 100;
    private DevVault vault;
    private String token;

    @BeforeEach
    void start() {
        vault = DevVault.builder().latency(Duration.ofMillis(50)).build().start();
        for (int i = 0; i < BURST; i++) {
            vault.setSecret("burst-" + i, "burst-value-" + i);
        }
        token = vault.issueToken("https://vault.azure.net", Duration.ofMinutes(5));
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void anHttp2ClientNegotiatesHttp2() throws Exception {
        HttpResponse<String> r = client(HttpClient.Version.HTTP_2).send(get("/secrets/burst-0?api-version=7.4"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(Raw.json(r).path("value").asText()).isEqualTo("burst-value-0");
        assertThat(Raw.json(r).path("id").asText()).startsWith(vault.vaultUrl() + "/secrets/burst-0/");
        assertThat(vault.journal().connections()).isEqualTo(1);
        assertThat(vault.journal().http2Requests()).isEqualTo(1);
        assertThat(vault.journal().http1Requests()).isZero();
    }

    @Test
    void aBurstOfConcurrentGetsSharesOneConnection() throws Exception {
        HttpClient http = client(HttpClient.Version.HTTP_2);
        // the first request opens the connection; the JDK client opens one per request while none is established
        assertThat(http.send(get("/secrets/burst-0?api-version=7.4"), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < BURST; i++) {
            burst.add(http.sendAsync(get("/secrets/burst-" + i + "?api-version=7.4"),
                    HttpResponse.BodyHandlers.ofString()));
        }
        for (int i = 0; i < BURST; i++) {
            HttpResponse<String> r = burst.get(i).join();
            assertThat(r.statusCode()).as("request %d", i).isEqualTo(200);
            assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
            assertThat(Raw.json(r).path("value").asText()).isEqualTo("burst-value-" + i);
        }
        assertThat(vault.journal().connections()).isEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(BURST + 1);
        assertThat(vault.journal().http2Requests()).isEqualTo(BURST + 1);
    }

    @Test
    void maxInFlightCountsTheRequestsOpenAtOnce() throws Exception {
        HttpClient http = client(HttpClient.Version.HTTP_2);
        for (int i = 0; i < 3; i++) {
            assertThat(http.send(get("/secrets/burst-" + i + "?api-version=7.4"), HttpResponse.BodyHandlers.ofString())
                    .statusCode()).isEqualTo(200);
        }
        // one after the other: never two at once
        assertThat(vault.journal().maxInFlight()).isEqualTo(1);
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(http.sendAsync(get("/secrets/burst-" + i + "?api-version=7.4"), HttpResponse.BodyHandlers.ofString()));
        }
        burst.forEach(CompletableFuture::join);
        // the 50 ms latency keeps the burst's streams open together
        assertThat(vault.journal().maxInFlight()).isGreaterThan(1).isLessThanOrEqualTo(20);
        // every answered request left the count: after a reset, a single request is again the most at once
        vault.journal().reset();
        assertThat(http.send(get("/secrets/burst-0?api-version=7.4"), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThat(vault.journal().maxInFlight()).isEqualTo(1);
    }

    @Test
    void http11ClientsGetTheSameAnswers() throws Exception {
        HttpClient h2 = client(HttpClient.Version.HTTP_2);
        HttpClient h1 = client(HttpClient.Version.HTTP_1_1);
        String secret = "/secrets/burst-7?api-version=7.4";
        HttpResponse<String> ok2 = h2.send(get(secret), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> ok1 = h1.send(get(secret), HttpResponse.BodyHandlers.ofString());
        assertThat(ok1.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
        assertThat(ok1.statusCode()).isEqualTo(ok2.statusCode()).isEqualTo(200);
        assertThat(Raw.json(ok1)).isEqualTo(Raw.json(ok2));
        for (String h : new String[] {"content-type", "x-ms-keyvault-region", "x-ms-keyvault-network-info",
                "x-ms-keyvault-service-version"}) {
            assertThat(ok1.headers().firstValue(h)).as(h).isEqualTo(ok2.headers().firstValue(h)).isPresent();
        }
        assertThat(ok1.headers().firstValue("x-ms-request-id")).isPresent();

        HttpRequest noToken = HttpRequest.newBuilder(URI.create(vault.vaultUrl() + secret))
                .timeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> challenge2 = h2.send(noToken, HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> challenge1 = h1.send(noToken, HttpResponse.BodyHandlers.ofString());
        assertThat(challenge1.statusCode()).isEqualTo(challenge2.statusCode()).isEqualTo(401);
        assertThat(challenge1.headers().firstValue("WWW-Authenticate"))
                .isEqualTo(challenge2.headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(challenge1.body()).isEqualTo(challenge2.body());

        HttpResponse<String> missing1 = h1.send(get("/secrets/nope?api-version=7.4"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(missing1.statusCode()).isEqualTo(404);
        assertThat(Raw.errorCode(missing1)).isEqualTo("SecretNotFound");

        // over 1 MB: 413 (HTTP/1.1 also closes the connection, as the body may not have been read)
        String huge = "{\"value\":\"" + "x".repeat(Request.MAX_BODY_BYTES + 10) + "\"}";
        HttpResponse<String> tooLarge = h1.send(HttpRequest.newBuilder(URI.create(vault.vaultUrl()
                + "/secrets/huge?api-version=7.4")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(huge)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(tooLarge.statusCode()).isEqualTo(413);
        assertThat(Raw.errorCode(tooLarge)).isEqualTo("RequestBodyTooLarge");

        // the classic blocking client
        HttpsURLConnection c = (HttpsURLConnection) new URL(vault.vaultUrl() + secret).openConnection();
        c.setSSLSocketFactory(vault.clientSslContext().getSocketFactory());
        c.setRequestProperty("Authorization", "Bearer " + token);
        assertThat(c.getResponseCode()).isEqualTo(200);
        try (InputStream in = c.getInputStream()) {
            JsonNode body = Raw.JSON.readTree(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            assertThat(body).isEqualTo(Raw.json(ok2));
        }
        assertThat(c.getHeaderField("x-ms-keyvault-region")).isEqualTo("westeurope");

        assertThat(vault.journal().http2Requests()).isEqualTo(2);
        assertThat(vault.journal().http1Requests()).isEqualTo(5);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(4);
    }

    @Test
    void aDroppedRequestOverHttp2FailsOnlyItsStream() throws Exception {
        HttpClient http = client(HttpClient.Version.HTTP_2);
        assertThat(http.send(get("/secrets/burst-0?api-version=7.4"), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        vault.faults().dropNext(1);
        // two requests in flight on the one connection; whichever is served first is dropped
        List<CompletableFuture<HttpResponse<String>>> pair = List.of(
                http.sendAsync(get("/secrets/burst-1?api-version=7.4"), HttpResponse.BodyHandlers.ofString()),
                http.sendAsync(get("/secrets/burst-2?api-version=7.4"), HttpResponse.BodyHandlers.ofString()));
        List<Throwable> failures = new ArrayList<>();
        List<HttpResponse<String>> answers = new ArrayList<>();
        for (CompletableFuture<HttpResponse<String>> f : pair) {
            try {
                answers.add(f.join());
            } catch (CompletionException e) {
                failures.add(e.getCause());
            }
        }
        assertThat(failures).singleElement().isInstanceOf(IOException.class);
        assertThat(answers).singleElement().satisfies(r -> assertThat(r.statusCode()).isEqualTo(200));
        assertThat(vault.journal().count("DroppedConnection")).isEqualTo(1);

        // the connection survived the reset stream
        assertThat(http.send(get("/secrets/burst-3?api-version=7.4"), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThat(vault.journal().connections()).isEqualTo(1);
    }

    @Test
    void aDroppedRequestOverHttp11ClosesItsConnection() throws Exception {
        HttpClient http = client(HttpClient.Version.HTTP_1_1);
        vault.faults().dropNext(1);
        // a PUT: the JDK client silently retries a GET (once) when its connection closes without an answer
        CompletableFuture<HttpResponse<String>> dropped = http.sendAsync(HttpRequest.newBuilder(
                URI.create(vault.vaultUrl() + "/secrets/burst-1?api-version=7.4")).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString("{\"value\":\"never-stored\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(dropped).failsWithin(Duration.ofSeconds(10)).withThrowableOfType(Exception.class)
                .withCauseInstanceOf(IOException.class);
        assertThat(http.send(get("/secrets/burst-1?api-version=7.4"), HttpResponse.BodyHandlers.ofString())
                .statusCode()).isEqualTo(200);
        assertThat(vault.journal().connections()).isEqualTo(2);
        assertThat(vault.journal().count("DroppedConnection")).isEqualTo(1);
        assertThat(vault.journal().entries()).extracting(Journal.Entry::status).containsExactly(0, 200);
        assertThat(vault.secretValue("burst-1")).contains("burst-value-1");
    }

    @Test
    void resetClearsTheConnectionAndProtocolCounts() throws Exception {
        client(HttpClient.Version.HTTP_2).send(get("/ip"), HttpResponse.BodyHandlers.ofString());
        assertThat(vault.journal().connections()).isEqualTo(1);
        vault.journal().reset();
        assertThat(vault.journal().connections()).isZero();
        assertThat(vault.journal().http2Requests()).isZero();
        assertThat(vault.journal().http1Requests()).isZero();
    }

    private HttpClient client(HttpClient.Version version) {
        return HttpClient.newBuilder().version(version).sslContext(vault.clientSslContext())
                .connectTimeout(Duration.ofSeconds(5)).build();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create(vault.vaultUrl() + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + token).build();
    }
}
