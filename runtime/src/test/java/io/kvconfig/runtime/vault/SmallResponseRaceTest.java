package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;
import com.azure.core.http.HttpResponse;
import com.sun.net.httpserver.HttpServer;

/**
 * Many tiny answers, asked for from many threads at once over pooled HTTP/1.1 connections: a response that ends before
 * its handlers are attached (a late hop between the request's context and the connection's event loop) failed a
 * request with "Response already ended". Every answer must arrive whole.
 */
class SmallResponseRaceTest {

    private static HttpServer server;

    @BeforeAll
    static void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", ex -> {
            byte[] b = "203.0.113.1".getBytes(StandardCharsets.UTF_8);
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
            ex.close();
        });
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
    }

    @AfterAll
    static void stop() {
        server.stop(0);
    }

    @Test
    void everySmallAnswerArrivesWholeWhateverThreadAsks() throws Exception {
        String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/";
        int threads = 8;
        int perThread = 150;
        List<String> failures = new ArrayList<>();
        try (KeyVaultClients clients = new KeyVaultClients(KeyVaultSettings.forVault("https://unused.vault.azure.net"))) {
            ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
            CountDownLatch done = new CountDownLatch(threads * perThread);
            for (int t = 0; t < threads; t++) {
                // a fresh thread per request: each one brings a new Vert.x context (round-robin event loops)
                // onto connections that another context opened
                start(() -> {
                    for (int i = 0; i < perThread; i++) {
                        Thread one = start(() -> {
                            try {
                                HttpResponse r = clients.httpClient().send(new HttpRequest(HttpMethod.GET, url))
                                        .block(Duration.ofSeconds(30));
                                String body = r.getBodyAsString().block(Duration.ofSeconds(30));
                                if (r.getStatusCode() != 200 || !"203.0.113.1".equals(body)) {
                                    problems.add(r.getStatusCode() + " " + body);
                                }
                            } catch (RuntimeException e) {
                                problems.add(String.valueOf(e));
                            } finally {
                                done.countDown();
                            }
                        });
                        try {
                            one.join(60_000);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                    }
                });
            }
            assertThat(done.await(5, java.util.concurrent.TimeUnit.MINUTES)).isTrue();
            failures.addAll(problems);
        }
        assertThat(failures).isEmpty();
    }

    private static Thread start(Runnable r) {
        Thread t = new Thread(r);
        t.setDaemon(true);
        t.start();
        return t;
    }
}
