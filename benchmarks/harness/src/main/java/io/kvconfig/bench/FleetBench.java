package io.kvconfig.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.kvconfig.runtime.config.KvConfigConfig;
import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.config.ResolverFactory;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.ResolutionFailure;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * A fleet start (issue 14 §3): K replicas × N secrets against ONE dev vault that enforces Key Vault's per-vault
 * service limit (4,000 secrets transactions per 10 s, shared by every client).
 * <p>
 * Each replica is what one application start builds, the way the container entrypoint's {@code ResolveEnvMain} builds
 * it: its own settings from the extension's mapping ({@code KvConfigMapping.fromEnvironment} over the replica's own
 * {@code quarkus.kvconfig.*} properties), its own {@link KeyVaultClients} (Vert.x, HTTP/2 connection, credential and
 * token), and {@link ResolverFactory#create} — the project's one resolver, unchanged — over N {@code @kv:} values. All
 * replicas live in this ONE process: the clients of every replica are built first (not timed), then a latch releases
 * every replica's {@code resolveValues} at the same instant (the clock, and each resolver's deadline, start there). So
 * the vault sees the worst case of a scale-out: every replica's batch at once.
 * <p>
 * Per row: time until the last replica has all values (or gave up), each replica's own time, replicas that failed
 * (their deadline, or anything else, by failure kind), the requests the vault journaled (GetSecret, the 429s of the
 * service limit, tokens, challenges, connections), GETs per secret, and the physical limit beside it.
 *
 * <pre>
 * java -cp ... io.kvconfig.bench.FleetBench --vault-env vault.env --out-md fleet.md
 *   [--rows "10x100 50x100 100x10 100x100 100x100/parallelism=10 10x100@400"]
 *       replicas x secrets[@service limit per window for this row][/property=value,...]
 *   [--warmup true]
 * </pre>
 * A row's {@code /property=value} overrides set {@code quarkus.kvconfig.<property>} for every replica of that row.
 */
public final class FleetBench {

    private static final Pattern ROW = Pattern.compile("(\\d+)x(\\d+)(?:@(\\d+))?(?:/(.+))?");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** limit: the vault's budget per window for this row, 0 = the vault's configured one (Key Vault's 4,000). */
    record Row(int replicas, int secrets, int limit, Map<String, String> overrides) {
        String label() {
            return replicas + " × " + secrets + (limit > 0 ? String.format(" (limit %,d)", limit) : "");
        }

        int limitOr(int vaultLimit) {
            return limit > 0 ? limit : vaultLimit;
        }

        String settings() {
            if (overrides.isEmpty()) {
                return "defaults";
            }
            List<String> parts = new ArrayList<>();
            overrides.forEach((k, v) -> parts.add(k + "=" + v));
            return String.join(", ", parts);
        }
    }

    /** One replica's outcome. */
    record Replica(long readyMs, boolean ok, int values, int requestsSent, Map<FailureKind, Integer> failureKinds,
            String firstFailure) {
    }

    record Result(Row row, long setupMs, long lastMs, List<Replica> replicas, Map<String, Long> vault, long lastGetOkMs,
            long first429Ms, long last429Ms, long maxServedPer10s, long closeMs, long harnessCpuMs, long vaultCpuMs,
            String loadAvg) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        Map<String, String> vaultEnv = readEnv(Path.of(Args.require(opts, "vault-env")));
        Path outMd = Path.of(Args.require(opts, "out-md"));
        List<Row> rows = parseRows(opts.getOrDefault("rows", "10x100 50x100 100x10 100x100"));
        boolean warmup = Boolean.parseBoolean(opts.getOrDefault("warmup", "true"));
        quietLogging();

        String stats = vaultEnv.get("STATS_URL");
        int limit = Integer.parseInt(vaultEnv.getOrDefault("SERVICE_LIMIT", "0"));
        long windowMs = Long.parseLong(vaultEnv.getOrDefault("SERVICE_LIMIT_WINDOW_MS", "10000"));
        if (limit <= 0) {
            throw new IllegalStateException("the dev vault does not enforce a service limit (start BenchVault with --service-limit)");
        }
        if (warmup) {
            // class loading and JIT of the SDK stack, once for the process (a real replica pays it itself: see the notes)
            System.out.println("fleet: warm-up 2 x 10 (not recorded)");
            run(new Row(2, 10, 0, Map.of()), vaultEnv, stats);
        }
        List<Result> results = new ArrayList<>();
        for (Row row : rows) {
            System.out.printf("fleet: %s (%s)%n", row.label(), row.settings());
            Result r = run(row, vaultEnv, stats);
            results.add(r);
            System.out.println("fleet:   " + line(r, row.limitOr(limit), windowMs));
        }
        String md = report(results, vaultEnv, limit, windowMs, opts.getOrDefault("command", ""));
        Files.createDirectories(outMd.toAbsolutePath().getParent());
        Files.writeString(outMd, md, StandardCharsets.UTF_8);
        System.out.println(md);
        boolean allOk = results.stream().allMatch(r -> r.replicas().stream().allMatch(Replica::ok));
        System.exit(allOk ? 0 : 3);
    }

    static List<Row> parseRows(String spec) {
        List<Row> rows = new ArrayList<>();
        for (String item : spec.trim().split("\\s+")) {
            Matcher m = ROW.matcher(item);
            if (!m.matches()) {
                throw new IllegalArgumentException("a row is REPLICASxSECRETS[/property=value,...], got " + item);
            }
            Map<String, String> overrides = new LinkedHashMap<>();
            if (m.group(4) != null) {
                for (String kv : m.group(4).split(",")) {
                    int eq = kv.indexOf('=');
                    if (eq < 1) {
                        throw new IllegalArgumentException("an override is property=value, got " + kv);
                    }
                    overrides.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            rows.add(new Row(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                    m.group(3) == null ? 0 : Integer.parseInt(m.group(3)), overrides));
        }
        return rows;
    }

    static Result run(Row row, Map<String, String> vaultEnv, String stats) throws Exception {
        int secrets = Integer.parseInt(vaultEnv.getOrDefault("SECRETS", "100"));
        if (row.secrets() > secrets) {
            throw new IllegalArgumentException("row " + row.label() + " needs " + row.secrets() + " secrets; the vault has " + secrets);
        }
        // the app's references: bench.ref.NNN=@kv:bench-s-NNN, as the startup runs use them
        Map<String, String> refs = new LinkedHashMap<>();
        for (int i = 0; i < row.secrets(); i++) {
            refs.put(String.format("BENCH_REF_%03d", i), "@kv:" + StartupBench.secretName(i));
        }

        // build every replica's clients first (not timed): its own settings, Vert.x + HTTP client, credential
        long s0 = System.nanoTime();
        List<KeyVaultClients> clients = new ArrayList<>();
        List<SecretResolver> resolvers = new ArrayList<>();
        for (int i = 0; i < row.replicas(); i++) {
            Properties sys = new Properties();
            sys.setProperty("quarkus.kvconfig.url", vaultEnv.get("VAULT_URL"));
            sys.setProperty("quarkus.kvconfig.credential.identity-endpoint", vaultEnv.get("IDENTITY_ENDPOINT"));
            sys.setProperty("quarkus.kvconfig.credential.identity-header", vaultEnv.get("IDENTITY_HEADER"));
            // the CA as PEM, as the Dev Service and the startup runs pass it
            sys.setProperty("quarkus.kvconfig.tls.trust-store", vaultEnv.get("CA_PEM"));
            sys.setProperty("quarkus.kvconfig.challenge-resource-verification", "false");
            row.overrides().forEach((k, v) -> sys.setProperty("quarkus.kvconfig." + k, v));
            KvConfigConfig config = KvConfigMapping.fromEnvironment(Map.of(), sys);
            KeyVaultSettings settings = KeyVaultSettings.from(config);
            KeyVaultClients c = new KeyVaultClients(settings);
            clients.add(c);
            resolvers.add(ResolverFactory.create(c, settings, FirewallSettings.from(config), false));
        }
        long setupMs = (System.nanoTime() - s0) / 1_000_000;

        // a fresh budget for the row, as after a quiet window
        get(stats + "/limits" + (row.limit() > 0 ? "?n=" + row.limit() : ""));
        get(stats + "/reset");
        long vaultCpu0 = Long.parseLong(get(stats + "/cpu").trim());
        long cpu0 = BenchVault.cpuMillis();
        long epochStart = System.currentTimeMillis();
        ExecutorService pool = Executors.newFixedThreadPool(row.replicas());
        CountDownLatch ready = new CountDownLatch(row.replicas());
        CountDownLatch go = new CountDownLatch(1);
        long[] t0 = new long[1];
        List<Future<Replica>> futures = new ArrayList<>();
        for (SecretResolver resolver : resolvers) {
            futures.add(pool.submit(() -> {
                ready.countDown();
                go.await();
                Resolution r = resolver.resolveValues(refs);
                long ms = (System.nanoTime() - t0[0]) / 1_000_000;
                Map<FailureKind, Integer> kinds = new EnumMap<>(FailureKind.class);
                for (ResolutionFailure f : r.failures()) {
                    kinds.merge(f.kind(), 1, Integer::sum);
                }
                // failure text names secrets and reasons, never a value
                String first = r.failures().isEmpty() ? null : r.failures().get(0).describe();
                return new Replica(ms, r.successful() && r.values().size() == refs.size(), r.values().size(),
                        r.stats().requestsSent(), kinds, first);
            }));
        }
        ready.await();
        t0[0] = System.nanoTime();
        epochStart = System.currentTimeMillis();
        go.countDown();
        List<Replica> replicas = new ArrayList<>();
        for (Future<Replica> f : futures) {
            replicas.add(f.get());
        }
        long lastMs = replicas.stream().mapToLong(Replica::readyMs).max().orElse(0);
        long harnessCpu = BenchVault.cpuMillis() - cpu0;
        long vaultCpu = Long.parseLong(get(stats + "/cpu").trim()) - vaultCpu0;
        String loadAvg = String.join(" ", Arrays.copyOf(Files.readString(Path.of("/proc/loadavg")).trim().split(" "), 3));
        pool.shutdown();

        Map<String, Long> vault = parseStats(get(stats + "/stats"));
        long lastGetOk = -1, first429 = -1, last429 = -1;
        List<Long> served = new ArrayList<>();
        for (String line : get(stats + "/journal").split("\n")) {
            String[] p = line.trim().split(" ");
            if (p.length < 4 || !"GetSecret".equals(p[1])) {
                continue;
            }
            long at = Long.parseLong(p[0]) - epochStart;
            if ("200".equals(p[3])) {
                lastGetOk = Math.max(lastGetOk, at);
                served.add(at);
            } else if ("429".equals(p[3])) {
                first429 = first429 < 0 ? at : Math.min(first429, at);
                last429 = Math.max(last429, at);
            }
        }
        long maxPerWindow = maxInWindow(served, Long.parseLong(vaultEnv.getOrDefault("SERVICE_LIMIT_WINDOW_MS", "10000")));

        long c0 = System.nanoTime();
        ExecutorService closer = Executors.newFixedThreadPool(8);
        List<Future<?>> closing = new ArrayList<>();
        for (KeyVaultClients c : clients) {
            closing.add(closer.submit(c::close));
        }
        for (Future<?> f : closing) {
            f.get();
        }
        closer.shutdown();
        long closeMs = (System.nanoTime() - c0) / 1_000_000;
        return new Result(row, setupMs, lastMs, replicas, vault, lastGetOk, first429, last429, maxPerWindow, closeMs,
                harnessCpu, vaultCpu, loadAvg);
    }

    /** The most 200 GETs any window of {@code windowMs} held (the vault's budget says at most the limit). */
    static long maxInWindow(List<Long> times, long windowMs) {
        long[] t = times.stream().mapToLong(Long::longValue).sorted().toArray();
        long best = 0;
        int lo = 0;
        for (int hi = 0; hi < t.length; hi++) {
            while (t[hi] - t[lo] >= windowMs) {
                lo++;
            }
            best = Math.max(best, hi - lo + 1);
        }
        return best;
    }

    /** The least time G GETs can take under L per W (sliding window): L at once, the next L one window later, ... */
    static long minPossibleMs(long gets, int limit, long windowMs) {
        long windows = (gets + limit - 1) / limit;
        return (windows - 1) * windowMs;
    }

    static String line(Result r, int limit, long windowMs) {
        long gets = r.vault().getOrDefault("GetSecret", 0L);
        long needed = (long) r.row().replicas() * r.row().secrets();
        long failed = r.replicas().stream().filter(x -> !x.ok()).count();
        return String.format("last replica %d ms (min possible %d ms), GETs %d for %d secrets (%.2f per secret), 429s %d, failed %d/%d,"
                + " CPU ms replicas %d vault %d, load %s",
                r.lastMs(), minPossibleMs(needed, limit, windowMs), gets, needed, gets / (double) needed,
                r.vault().getOrDefault("ServiceLimitReached", 0L), failed, r.row().replicas(), r.harnessCpuMs(), r.vaultCpuMs(), r.loadAvg());
    }

    static String report(List<Result> results, Map<String, String> env, int limit, long windowMs, String command) {
        StringBuilder md = new StringBuilder();
        md.append("| replicas × secrets | settings | GETs needed | physical limit: min possible time (sustained rate) | time until the last replica has all values | replica time, median (min–max) | GET requests sent (journal) | 429s received (`ServiceLimitReached`) | requests per secret | replicas that failed (kind) | most 200 GETs in any 10 s | token / challenge / connections | CPU s: replicas / dev vault | load average at end |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|\n");
        for (Result r : results) {
            long needed = (long) r.row().replicas() * r.row().secrets();
            long gets = r.vault().getOrDefault("GetSecret", 0L);
            long sent = r.replicas().stream().mapToLong(Replica::requestsSent).sum();
            long[] times = r.replicas().stream().mapToLong(Replica::readyMs).sorted().toArray();
            List<Replica> failed = r.replicas().stream().filter(x -> !x.ok()).toList();
            Map<FailureKind, Integer> kinds = new TreeMap<>();
            failed.forEach(x -> x.failureKinds().forEach((k, v) -> kinds.merge(k, 1, Integer::sum)));
            String failedText = failed.isEmpty() ? "0" : failed.size() + " (" + kinds.entrySet().stream()
                    .map(e -> e.getValue() + " " + e.getKey().name().toLowerCase().replace('_', '-')).reduce((a, b) -> a + ", " + b).orElse("?") + ")";
            int rowLimit = r.row().limitOr(limit);
            double rateBoundS = needed / (rowLimit * 1000.0 / windowMs);
            md.append(String.format("| %s | %s | %,d | %.1f s (%.1f s) | **%.1f s** | %.1f (%.1f–%.1f) s | %,d%s | %,d | **%.2f** | %s | %,d | %d / %d / %d | %.1f / %.1f | %s |%n",
                    r.row().label(), r.row().settings(), needed, minPossibleMs(needed, rowLimit, windowMs) / 1000.0, rateBoundS,
                    r.lastMs() / 1000.0, times[times.length / 2] / 1000.0, times[0] / 1000.0, times[times.length - 1] / 1000.0,
                    gets, sent == gets ? "" : " (resolvers: " + sent + ")",
                    r.vault().getOrDefault("ServiceLimitReached", 0L), gets / (double) needed, failedText,
                    r.maxServedPer10s(), r.vault().getOrDefault("Token", 0L), r.vault().getOrDefault("Challenge", 0L),
                    r.vault().getOrDefault("connections", 0L), r.harnessCpuMs() / 1000.0, r.vaultCpuMs() / 1000.0,
                    r.loadAvg()));
        }
        md.append("\n");
        md.append("*GETs needed* = replicas × secrets; *physical limit* = the least time those GETs can take under the vault's"
                + " budget per 10 s (sliding window: one budget's worth at once, the next one window later, ...), and in brackets"
                + " GETs / sustained rate; *time until the last replica* and *replica time* run from the instant every replica's"
                + " resolver was released (each resolver's deadline starts there too); *GET requests sent* = GetSecret in the dev"
                + " vault's journal (429s included; in brackets the resolvers' own count when it differs: requests cancelled by"
                + " their per-attempt timeout before the vault answered are not journaled); *requests per secret* = journaled"
                + " GETs / GETs needed; *failed* = replicas whose resolution did not return every value (by failure kind: a"
                + " replica can have several); *token / challenge / connections* = per row (each replica's own since lever 1;"
                + " before it, the SDK's JVM-wide challenge cache left the challenge to the warm-up); *CPU s* = CPU the harness process (all replicas)"
                + " and the dev vault used during the row.\n\n");
        md.append("Per row, ms from the common start: ");
        List<String> details = new ArrayList<>();
        for (Result r : results) {
            details.add(String.format("%s (%s): last 200 GET at %d, %s, clients built in %d ms (not timed), closed in %d ms",
                    r.row().label(), r.row().settings(), r.lastGetOkMs(),
                    r.first429Ms() < 0 ? "no 429" : "429s from " + r.first429Ms() + " to " + r.last429Ms(), r.setupMs(), r.closeMs()));
        }
        md.append(String.join("; ", details)).append(".\n");
        for (Result r : results) {
            r.replicas().stream().filter(x -> !x.ok()).findFirst().ifPresent(x -> md.append("\nFirst failure of ")
                    .append(r.row().label()).append(" (").append(r.row().settings()).append("): `")
                    .append(x.firstFailure() == null ? x.values() + " of " + r.row().secrets() + " values" : x.firstFailure().replace('\n', ' '))
                    .append("`\n"));
        }
        return md.toString();
    }

    static Map<String, Long> parseStats(String line) {
        Map<String, Long> m = new LinkedHashMap<>();
        for (String kv : line.trim().split("\\s+")) {
            int eq = kv.indexOf('=');
            if (eq > 0) {
                m.put(kv.substring(0, eq), Long.parseLong(kv.substring(eq + 1)));
            }
        }
        return m;
    }

    static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException(url + " answered " + r.statusCode());
        }
        return r.body();
    }

    static Map<String, String> readEnv(Path file) throws IOException {
        Map<String, String> env = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                env.put(line.substring(0, eq), line.substring(eq + 1));
            }
        }
        return env;
    }

    /** The SDK's INFO lines are noise with 100 clients; warnings stay (as the CLI sets it). */
    private static final List<java.util.logging.Logger> KEEP = new ArrayList<>();

    static void quietLogging() {
        for (String quiet : Arrays.asList("io.kvconfig", "com.azure", "com.microsoft.aad.msal4j", "io.netty", "io.vertx")) {
            java.util.logging.Logger l = java.util.logging.Logger.getLogger(quiet);
            l.setLevel(java.util.logging.Level.WARNING);
            KEEP.add(l);
        }
    }
}
