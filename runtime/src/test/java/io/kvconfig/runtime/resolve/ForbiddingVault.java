package io.kvconfig.runtime.resolve;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

/**
 * A second, tiny HTTPS "vault" for the one answer the dev vault does not give: 403 Forbidden by RBAC (the
 * identity lacks the Key Vault Secrets User role). It speaks the same challenge protocol, so the real SDK and
 * credential run against it. Its certificate (made with keytool) is added to a combined trust store.
 */
final class ForbiddingVault implements AutoCloseable {

    static final String PASSWORD = "changeit";
    final HttpsServer server;
    final Path keyStore;
    final AtomicInteger forbidden = new AtomicInteger();
    /**
     * When set, instead of 403: the first authorized request gets 503 Service Unavailable, every later one no answer
     * at all (the request is read and the connection kept open until {@link #close()}).
     */
    volatile boolean unavailableThenSilent;
    final AtomicInteger authorized = new AtomicInteger();
    private final CountDownLatch closed = new CountDownLatch(1);

    ForbiddingVault(Path dir, String tenantId) throws Exception {
        keyStore = dir.resolve("forbidding.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "forbidding", "-keyalg", "EC", "-groupname", "secp256r1",
                "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-validity", "2",
                "-keystore", keyStore.toString(), "-storetype", "PKCS12", "-storepass", PASSWORD, "-keypass", PASSWORD)
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD.toCharArray());
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(ctx));
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "forbidding-vault");
            t.setDaemon(true);
            return t;
        }));
        server.createContext("/", ex -> {
            ex.getRequestBody().readAllBytes();
            String body;
            int status;
            if (ex.getRequestHeaders().getFirst("Authorization") == null) {
                status = 401;
                ex.getResponseHeaders().add("WWW-Authenticate", "Bearer authorization=\"https://login.microsoftonline.com/"
                        + tenantId + "\", resource=\"https://vault.azure.net\"");
                body = "{\"error\":{\"code\":\"Unauthorized\",\"message\":\"AKV10000: Request is missing a Bearer or PoP token.\"}}";
            } else if (unavailableThenSilent) {
                if (authorized.incrementAndGet() > 1) {
                    try {
                        closed.await(60, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    ex.close();
                    return;
                }
                status = 503;
                body = "{\"error\":{\"code\":\"ServiceUnavailable\",\"message\":\"The service is temporarily unavailable.\"}}";
            } else {
                forbidden.incrementAndGet();
                status = 403;
                body = "{\"error\":{\"code\":\"Forbidden\",\"message\":\"Caller is not authorized to perform action on resource."
                        + "\\r\\nCaller: appid=00000000-0000-0000-0000-000000000001;oid=00000000-0000-0000-0000-000000000002"
                        + "\\r\\nAction: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'\",\"innererror\":{\"code\":\"ForbiddenByRbac\"}}}";
            }
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json; charset=utf-8");
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream os = ex.getResponseBody()) {
                os.write(bytes);
            }
        });
        server.start();
    }

    String url() {
        return "https://localhost:" + server.getAddress().getPort();
    }

    /** A PKCS12 trust store holding the dev vault's CA and this server's certificate. */
    Path combinedTrustStore(Path devVaultTrustStore, String devVaultPassword, Path out) throws Exception {
        KeyStore combined = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(devVaultTrustStore)) {
            combined.load(in, devVaultPassword.toCharArray());
        }
        KeyStore mine = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            mine.load(in, PASSWORD.toCharArray());
        }
        combined.setCertificateEntry("forbidding", mine.getCertificate("forbidding"));
        try (OutputStream os = Files.newOutputStream(out)) {
            combined.store(os, devVaultPassword.toCharArray());
        }
        return out;
    }

    @Override
    public void close() {
        closed.countDown();
        server.stop(0);
    }
}
