package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.sun.net.httpserver.HttpServer;

import io.kvconfig.devvault.DevVault;

/**
 * The one transport ({@link BufferedVertxHttpClient} on its own Vert.x) against the dev vault and a plain HTTP/1.1
 * server: trust store forms, buffered (re-readable) answers, the size bound, and that close() ends its threads.
 */
class KeyVaultTransportTest {

    @TempDir
    static Path tmp;
    static DevVault vault;
    static HttpServer plain;

    @BeforeAll
    static void start() throws IOException {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust"))
                .ruleDelay(Duration.ZERO).secret("transport-one", "transport-value-1").build().start();
        plain = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        plain.createContext("/small", ex -> {
            byte[] body = "{\"ok\":true}".getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", "application/json");
            ex.sendResponseHeaders(200, body.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(body);
            }
        });
        // more than the bound, with its length announced and without (chunked): both are refused
        plain.createContext("/huge", ex -> sendOversized(ex, BufferedVertxHttpClient.MAX_RESPONSE_BYTES + 1L));
        plain.createContext("/huge-chunked", ex -> sendOversized(ex, 0));
        plain.start();
    }

    static void sendOversized(com.sun.net.httpserver.HttpExchange ex, long announced) throws IOException {
        ex.sendResponseHeaders(200, announced);
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream out = ex.getResponseBody()) {
            for (long sent = 0; sent <= BufferedVertxHttpClient.MAX_RESPONSE_BYTES; sent += chunk.length) {
                out.write(chunk, 0, (int) Math.min(chunk.length, BufferedVertxHttpClient.MAX_RESPONSE_BYTES + 1L - sent));
            }
        } catch (IOException clientGaveUp) {
            // the client resets once it is past the bound
        }
    }

    @AfterAll
    static void stop() {
        vault.close();
        plain.stop(0);
    }

    static KeyVaultSettings settings(Path trustStore, String password) {
        Map<String, String> m = new HashMap<>();
        m.put(KeyVaultSettings.URL, vault.vaultUrl());
        m.put(KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT, vault.identityEndpoint());
        m.put(KeyVaultSettings.CREDENTIAL_IDENTITY_HEADER, vault.identityHeader());
        m.put(KeyVaultSettings.TLS_TRUST_STORE, trustStore.toString());
        if (password != null) {
            m.put(KeyVaultSettings.TLS_TRUST_STORE_PASSWORD, password);
        }
        m.put(KeyVaultSettings.CHALLENGE_RESOURCE_VERIFICATION, "false");
        return KeyVaultSettings.from(k -> Optional.ofNullable(m.get(k)));
    }

    static String fetch(KeyVaultSettings s) {
        try (KeyVaultClients clients = new KeyVaultClients(s)) {
            return clients.defaultVault().orElseThrow().getSecret("transport-one").block(Duration.ofSeconds(20)).getValue();
        }
    }

    static Map<String, String> refs(int n) {
        Map<String, String> raw = new java.util.LinkedHashMap<>();
        for (int i = 0; i < n; i++) {
            raw.put("batch." + i, "@kv:batch-" + i);
        }
        return raw;
    }

    static void seedBatch(DevVault v, int n) {
        for (int i = 0; i < n; i++) {
            v.setSecret("batch-" + i, "batch-value-" + i);
        }
    }

    @Test
    void aBatchIsMultiplexedOverOneHttp2Connection() {
        seedBatch(vault, 60);
        vault.journal().reset();
        try (KeyVaultClients clients = new KeyVaultClients(settings(vault.caCertificatePath(), null))) {
            var r = new io.kvconfig.runtime.resolve.SecretResolver(clients).resolveValues(refs(60));
            assertThat(r.failures()).isEmpty();
            assertThat(r.values()).hasSize(60).containsEntry("batch.59", "batch-value-59");
        }
        // 60 GETs (and the challenge round, unless the SDK's per-JVM challenge cache already had this vault):
        // every one over HTTP/2, and one TLS handshake for the whole batch
        assertThat(vault.journal().count("GetSecret")).isEqualTo(60);
        assertThat(vault.journal().http2Requests()).isEqualTo(60 + vault.journal().count("Challenge"));
        assertThat(vault.journal().connections()).isEqualTo(1);
    }

    @Test
    void aServerWithoutHttp2GetsOneConnectionPerRequestInFlightAtMost() {
        try (DevVault h1 = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust-h1"))
                .http2(false).latency(Duration.ofMillis(20)).build().start()) {
            seedBatch(h1, 40);
            h1.journal().reset();
            Map<String, String> m = new HashMap<>();
            m.put(KeyVaultSettings.URL, h1.vaultUrl());
            m.put(KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT, h1.identityEndpoint());
            m.put(KeyVaultSettings.CREDENTIAL_IDENTITY_HEADER, h1.identityHeader());
            m.put(KeyVaultSettings.TLS_TRUST_STORE, h1.caCertificatePath().toString());
            m.put(KeyVaultSettings.CHALLENGE_RESOURCE_VERIFICATION, "false");
            m.put(KeyVaultSettings.PARALLELISM, "8");
            try (KeyVaultClients clients = new KeyVaultClients(KeyVaultSettings.from(k -> Optional.ofNullable(m.get(k))))) {
                var r = new io.kvconfig.runtime.resolve.SecretResolver(clients).resolveValues(refs(40));
                assertThat(r.failures()).isEmpty();
                assertThat(r.values()).hasSize(40).containsEntry("batch.39", "batch-value-39");
            }
            assertThat(h1.journal().http2Requests()).isZero();
            assertThat(h1.journal().count("GetSecret")).isEqualTo(40);
            // HTTP/1.1 fallback: connections are reused, never more than the parallelism
            assertThat(h1.journal().connections()).isBetween(1L, 8L);
        }
    }

    @Test
    void aCancelAfterTheAnswerLeavesTheConnectionInItsPool() {
        try (DevVault h1 = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust-h1-cancel"))
                .http2(false).build().start()) {
            Map<String, String> m = new HashMap<>();
            m.put(KeyVaultSettings.URL, h1.vaultUrl());
            m.put(KeyVaultSettings.TLS_TRUST_STORE, h1.caCertificatePath().toString());
            try (KeyVaultClients clients = new KeyVaultClients(KeyVaultSettings.from(k -> Optional.ofNullable(m.get(k))))) {
                for (int i = 0; i < 10; i++) {
                    // take(1) cancels its upstream once it has the answer, as several SDK operators do
                    HttpResponse r = clients.httpClient().send(new HttpRequest(HttpMethod.GET, h1.vaultUrl() + "/ip"))
                            .flux().take(1).single().block(Duration.ofSeconds(10));
                    assertThat(r.getBodyAsString().block(Duration.ofSeconds(10))).isEqualTo(h1.publicIp() + "\n");
                }
            }
            // keep-alive connections are reused (a reset would close one per request; a request can race the
            // previous connection's return to the pool, hence not exactly 1)
            assertThat(h1.journal().connections()).isLessThan(5);
            assertThat(h1.journal().count("IpEcho")).isEqualTo(10);
        }
    }

    @Test
    void pemAndPkcs12TrustStoresBothReachTheVault() {
        assertThat(fetch(settings(vault.caCertificatePath(), null))).isEqualTo("transport-value-1");
        assertThat(fetch(settings(vault.trustStorePath(), vault.trustStorePassword()))).isEqualTo("transport-value-1");
    }

    @Test
    void aTrustStoreThatIsNeitherPemNorPkcs12IsRefusedNamingTheSetting() throws IOException {
        Path broken = tmp.resolve("broken.pem");
        Files.writeString(broken, "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n");
        assertThatThrownBy(() -> new KeyVaultClients(settings(broken, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(KeyVaultSettings.TLS_TRUST_STORE + "=" + broken)
                .hasMessageContaining("PEM");
        Path missing = tmp.resolve("missing.p12");
        assertThatThrownBy(() -> new KeyVaultClients(settings(missing, "x")))
                .hasMessageContaining(KeyVaultSettings.TLS_TRUST_STORE + "=" + missing)
                .hasMessageContaining("does not exist");
    }

    @Test
    void answersAreReadWholeAndCanBeReadAgain() {
        try (KeyVaultClients clients = new KeyVaultClients(settings(vault.caCertificatePath(), null))) {
            HttpResponse r = clients.httpClient()
                    .send(new HttpRequest(HttpMethod.GET, "http://127.0.0.1:" + plain.getAddress().getPort() + "/small"))
                    .block(Duration.ofSeconds(10));
            assertThat(r.getStatusCode()).isEqualTo(200);
            assertThat(r.getHeaderValue(com.azure.core.http.HttpHeaderName.CONTENT_TYPE)).isEqualTo("application/json");
            assertThat(r.getBodyAsString().block(Duration.ofSeconds(10))).isEqualTo("{\"ok\":true}");
            r.close();
            assertThat(r.getBodyAsByteArray().block(Duration.ofSeconds(10))).asString(StandardCharsets.UTF_8).isEqualTo("{\"ok\":true}");
        }
    }

    @org.junit.jupiter.params.ParameterizedTest
    @org.junit.jupiter.params.provider.ValueSource(strings = { "/huge", "/huge-chunked" })
    void anAnswerLargerThanTheBoundIsRefusedNamingTheHost(String path) {
        try (KeyVaultClients clients = new KeyVaultClients(settings(vault.caCertificatePath(), null))) {
            assertThatThrownBy(() -> clients.httpClient()
                    .send(new HttpRequest(HttpMethod.GET, "http://127.0.0.1:" + plain.getAddress().getPort() + path))
                    .block(Duration.ofSeconds(10)))
                    .hasMessageContaining("exceeds " + BufferedVertxHttpClient.MAX_RESPONSE_BYTES + " bytes")
                    .hasMessageContaining("127.0.0.1");
        }
    }

    @Test
    void closeEndsTheTransportThreads() throws InterruptedException {
        java.util.Set<Thread> before = vertxThreads();
        KeyVaultClients clients = new KeyVaultClients(settings(vault.caCertificatePath(), null));
        clients.defaultVault().orElseThrow().getSecret("transport-one").block(Duration.ofSeconds(20));
        java.util.Set<Thread> ours = vertxThreads();
        ours.removeAll(before);
        assertThat(ours).isNotEmpty();
        clients.close();
        for (Thread t : ours) {
            t.join(5_000);
            assertThat(t.isAlive()).as(t.getName()).isFalse();
        }
        // and the closed client refuses work instead of hanging
        assertThatThrownBy(() -> clients.httpClient()
                .send(new HttpRequest(HttpMethod.GET, "http://127.0.0.1:" + plain.getAddress().getPort() + "/small"))
                .block(Duration.ofSeconds(10))).hasMessageContaining("closed");
    }

    private static java.util.Set<Thread> vertxThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("vert.x-"))
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }
}
