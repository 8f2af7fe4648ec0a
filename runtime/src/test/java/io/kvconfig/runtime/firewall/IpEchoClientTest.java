package io.kvconfig.runtime.firewall;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.sun.net.httpserver.HttpServer;

class IpEchoClientTest {

    private HttpServer server;
    private final AtomicInteger hits = new AtomicInteger();
    private final CountDownLatch release = new CountDownLatch(1);

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        answer("/public", 200, "203.0.113.10\n");
        answer("/other-public", 200, "8.8.8.8");
        answer("/private", 200, "10.1.2.3");
        answer("/loopback", 200, "127.0.0.1");
        answer("/garbage", 200, "<html>captive portal</html>");
        answer("/ipv6", 200, "2001:db8::1");
        answer("/error", 503, "busy");
        server.createContext("/slow", ex -> {
            try {
                release.await(60, java.util.concurrent.TimeUnit.SECONDS); // a bound: the server's stop does not wait forever
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ex.sendResponseHeaders(200, -1);
            ex.close();
        });
        server.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
        server.start();
    }

    @AfterEach
    void stop() {
        release.countDown();
        server.stop(0);
    }

    private void answer(String path, int status, String body) {
        server.createContext(path, ex -> {
            hits.incrementAndGet();
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(status, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
    }

    private URI url(String path) {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
    }

    private static URI closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort() + "/ip");
        }
    }

    private static final com.azure.core.http.HttpClient HTTP = new io.kvconfig.runtime.vault.KeyVaultClients(
            io.kvconfig.runtime.vault.KeyVaultSettings.forVault("https://unused.vault.azure.net")).httpClient();

    /** Per endpoint; long enough for a loaded machine, short enough for the slow-endpoint test. */
    private static final Duration TIMEOUT = Duration.ofSeconds(2);

    private IpEchoClient client(URI... urls) {
        return new IpEchoClient(List.of(urls), TIMEOUT, HTTP);
    }

    /** The HTTP stack's first request (class loading, event loop start) may outlast a timeout: pay it once here. */
    @BeforeAll
    static void warmUp() throws IOException {
        HttpServer warm = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        warm.createContext("/", ex -> {
            byte[] b = "203.0.113.1".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        warm.start();
        try {
            new IpEchoClient(List.of(URI.create("http://127.0.0.1:" + warm.getAddress().getPort() + "/")), Duration.ofSeconds(60),
                    HTTP).detect();
        } finally {
            warm.stop(0);
        }
    }

    @Test
    void firstValidAnswerWinsAndLaterEndpointsAreNotAsked() {
        assertThat(client(url("/public"), url("/other-public")).detect().address()).isEqualTo("203.0.113.10");
        assertThat(hits).hasValue(1);
    }

    @Test
    void unreachableEndpointIsSkipped() throws IOException {
        assertThat(client(closedPort(), url("/other-public")).detect().address()).isEqualTo("8.8.8.8");
    }

    @Test
    void privateAnswerIsRefusedSayingWhichAndWhy() {
        assertThatThrownBy(() -> client(url("/private")).detect())
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining(url("/private").toString())
                .hasMessageContaining("'10.1.2.3' is not a public IPv4 address")
                .hasMessageContaining("private network address (10.0.0.0/8)")
                .hasMessageContaining(FirewallSettings.IP_ECHO_URLS);
    }

    @Test
    void privateAnswerFallsThroughToTheNextService() {
        assertThat(client(url("/loopback"), url("/public")).detect().address()).isEqualTo("203.0.113.10");
    }

    @Test
    void allUnreachableListsEveryEndpoint() throws IOException {
        URI a = closedPort();
        URI b = closedPort();
        assertThatThrownBy(() -> client(a, b).detect())
                .isInstanceOf(FirewallException.class)
                .hasMessageContaining("no IP echo service could be reached")
                .hasMessageContaining(a + " is unreachable")
                .hasMessageContaining(b + " is unreachable");
    }

    @Test
    void everyProblemIsListedInOrder() throws IOException {
        URI down = closedPort();
        assertThatThrownBy(() -> client(url("/garbage"), url("/ipv6"), url("/error"), down).detect())
                .hasMessageContaining(url("/garbage") + ": '<html>captive portal</html>' is not an IPv4 address")
                .hasMessageContaining(url("/ipv6") + ": '2001:db8::1' is not an IPv4 address (IPv6")
                .hasMessageContaining(url("/error") + " answered HTTP 503")
                .hasMessageContaining(down + " is unreachable")
                .hasMessageNotContaining("no IP echo service could be reached");
    }

    @Test
    void slowEndpointTimesOutAndTheNextIsTried() {
        assertThat(client(url("/slow"), url("/public")).detect().address()).isEqualTo("203.0.113.10");
        assertThatThrownBy(() -> client(url("/slow")).detect())
                .hasMessageContaining(url("/slow") + " is unreachable (no answer within 2000 ms)");
    }

    @Test
    void needsAtLeastOneUrl() {
        assertThatThrownBy(() -> new IpEchoClient(List.of(), Duration.ofSeconds(1), HTTP))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aClientOverPlainHttpToAnotherHostCannotBeBuilt() {
        assertThatThrownBy(() -> client(url("/public"), URI.create("http://echo.example.net/ip")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(FirewallSettings.IP_ECHO_URLS).hasMessageContaining("host 'echo.example.net'");
        assertThat(hits).as("nothing was asked").hasValue(0);
        assertThat(client(url("/public"), URI.create("https://echo.example.net/ip")).urls()).hasSize(2);
    }
}
