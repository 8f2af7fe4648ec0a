package io.kvconfig.bench;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.kvconfig.devvault.DevVault;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The dev vault as the benchmark's own process: fixed added latency, seeded secrets, and a small
 * loopback-only HTTP endpoint over the vault's request journal so the harness (and the load run)
 * can count Key Vault requests per app start or per PUT ({@code /stats}, {@code /reset}), and place each request
 * on a start's timeline ({@code /journal}).
 *
 * <pre>
 * java -cp bench-harness.jar:lib/* io.kvconfig.bench.BenchVault --dir DIR [--latency-ms 20] [--secrets 100]
 *   [--service-limit N --service-limit-window-ms MS]   Key Vault's per-vault service limit (fleet run: 4000 per 10000)
 *   env BENCH_ADMIN_SECRET (optional): seeded as secret "bench-admin-secret" for the service's admin API
 * </pre>
 * Writes DIR/vault.env (KEY=value lines: URL, identity endpoint/header, trust store, stats URL) once ready.
 * Secret values are random per start and never printed. With a service limit, {@code /limits[?n=N]} re-arms it (with
 * N transactions per window): the window starts empty, as after a quiet 10 s (the fleet run calls it before each row
 * so that rows do not share a budget). {@code /cpu}: the CPU ms this process has used.
 */
public final class BenchVault {

    static final List<String> OPERATIONS = List.of("Token", "Challenge", "GetSecret", "SetSecret");

    public static void main(String[] args) throws Exception {
        // The JDK HTTP server leaves Nagle on: a response written in two segments then waits for the client's
        // delayed ACK (~40 ms on Linux), so 20 ms of added latency became ~65 ms per request. Read once, when the
        // first server is created.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        Map<String, String> opts = Args.parse(args);
        Path dir = Path.of(Args.require(opts, "dir")).toAbsolutePath();
        long latencyMs = Long.parseLong(opts.getOrDefault("latency-ms", "20"));
        int secrets = Integer.parseInt(opts.getOrDefault("secrets", "100"));
        int serviceLimit = Integer.parseInt(opts.getOrDefault("service-limit", "0"));
        Duration serviceWindow = Duration.ofMillis(Long.parseLong(opts.getOrDefault("service-limit-window-ms", "10000")));
        Files.createDirectories(dir);

        DevVault vault = DevVault.builder()
                .httpsPort(0)
                .tokenPort(0)
                .trustStoreDir(dir)
                .latency(Duration.ofMillis(latencyMs))
                .build()
                .start();

        // seeding goes through the library, not the REST API, so it adds nothing to the journal
        for (int i = 0; i < secrets; i++) {
            vault.setSecret(StartupBench.secretName(i), "bench-" + i + "-" + Long.toHexString(Double.doubleToLongBits(Math.random())));
        }
        String admin = System.getenv("BENCH_ADMIN_SECRET");
        if (admin != null && !admin.isEmpty()) {
            vault.setSecret("bench-admin-secret", admin);
        }
        vault.journal().reset();
        if (serviceLimit > 0) {
            vault.faults().enforceServiceLimits(serviceLimit, serviceWindow);
        }

        HttpServer stats = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        stats.createContext("/stats", exchange -> reply(exchange, counts(vault)));
        // the journal's lines with their times (epoch ms, taken when the vault handles a request, i.e. after the added
        // latency, just before it answers): the breakdown places token, challenge and GET on the app's timeline
        stats.createContext("/journal", exchange -> reply(exchange, journal(vault)));
        stats.createContext("/reset", exchange -> {
            vault.journal().reset();
            reply(exchange, "reset\n");
        });
        // CPU time this process (the dev vault) has used so far, ms: the fleet run reports the vault's CPU per row
        stats.createContext("/cpu", exchange -> reply(exchange, cpuMillis() + "\n"));
        // re-arms the service limit with an empty window; ?n=N sets another budget per window (a scaled-down fleet)
        stats.createContext("/limits", exchange -> {
            String q = exchange.getRequestURI().getQuery();
            int n = q != null && q.startsWith("n=") ? Integer.parseInt(q.substring(2)) : serviceLimit;
            if (n > 0) {
                vault.faults().enforceServiceLimits(n, serviceWindow);
            }
            reply(exchange, "service limit " + vault.faults().serviceLimit() + " per "
                    + vault.faults().serviceLimitWindow().toMillis() + " ms\n");
        });
        stats.start();

        Map<String, String> env = new LinkedHashMap<>();
        env.put("VAULT_URL", vault.vaultUrl());
        env.put("IDENTITY_ENDPOINT", vault.identityEndpoint());
        env.put("IDENTITY_HEADER", vault.identityHeader());
        env.put("TRUST_STORE", String.valueOf(vault.trustStorePath()));
        env.put("TRUST_STORE_PASSWORD", String.valueOf(vault.trustStorePassword()));
        env.put("CA_PEM", String.valueOf(vault.caCertificatePath()));
        env.put("STATS_URL", "http://127.0.0.1:" + stats.getAddress().getPort());
        env.put("LATENCY_MS", Long.toString(latencyMs));
        env.put("SECRETS", Integer.toString(secrets));
        env.put("SERVICE_LIMIT", Integer.toString(serviceLimit));
        env.put("SERVICE_LIMIT_WINDOW_MS", Long.toString(serviceWindow.toMillis()));
        StringBuilder text = new StringBuilder();
        env.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        Path tmp = dir.resolve("vault.env.tmp");
        Files.writeString(tmp, text, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
        // rename last: the harness waits for this file to appear
        Files.move(tmp, dir.resolve("vault.env"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        System.out.println("bench vault ready: " + vault.vaultUrl() + " latency " + latencyMs + " ms, "
                + secrets + " secrets, stats " + env.get("STATS_URL")
                + (serviceLimit > 0 ? ", service limit " + serviceLimit + " per " + serviceWindow.toMillis() + " ms" : ""));

        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stats.stop(0);
            vault.close();
            stop.countDown();
        }));
        stop.await();
    }

    /**
     * "Token=1 Challenge=1 GetSecret=100 SetSecret=0 [other operations/outcomes seen] connections=1 h2=101 total=102":
     * connections = TLS connections accepted on the vault's HTTPS port, h2 = requests that came over HTTP/2.
     */
    static String counts(DevVault vault) {
        Map<String, Long> counts = new LinkedHashMap<>();
        OPERATIONS.forEach(op -> counts.put(op, 0L));
        counts.putAll(vault.journal().counts());
        StringBuilder line = new StringBuilder();
        counts.forEach((op, n) -> line.append(op).append('=').append(n).append(' '));
        line.append("connections=").append(vault.journal().connections()).append(' ');
        line.append("h2=").append(vault.journal().http2Requests()).append(' ');
        return line.append("total=").append(vault.journal().total()).append('\n').toString();
    }

    /** One line per request since the last reset, oldest first: "epochMillis operation method status" (never a value). */
    static String journal(DevVault vault) {
        StringBuilder out = new StringBuilder();
        for (var e : vault.journal().entries()) {
            out.append(e.epochMillis()).append(' ').append(e.operation()).append(' ').append(e.method()).append(' ')
                    .append(e.status()).append('\n');
        }
        return out.toString();
    }

    static long cpuMillis() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime() / 1_000_000;
    }

    private static void reply(HttpExchange exchange, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
