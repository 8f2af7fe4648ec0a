package io.kvconfig.bench;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where the first secret's cost goes (issue 14 §1): starts the benchmark app with 0 and with 1 reference, rounds
 * interleaved, each start instrumented the same way, and breaks the difference down into
 * <ul>
 * <li>classes loaded, by library ({@code -Xlog:class+load} with wall-clock and uptime decorations; package of each
 * class; classes loaded after ready are not counted);</li>
 * <li>CPU by thread kind at ready ({@code /proc/PID/task/TID/stat} utime + stime, thread names from the same file;
 * CPU of threads that already ended = process total minus the live threads);</li>
 * <li>wall time by phase of the first secret: first-use markers from the class-load log (the extension's client
 * class, Netty's {@code SslHandler} and {@code SslHandshakeCompletionEvent}), the extension's own log lines (DEBUG
 * "Key Vault clients created", INFO startup line with its duration) and the dev vault journal's request times
 * (challenge, token, GET), all on one wall clock;</li>
 * <li>RSS by cause: {@code VmRSS}/{@code RssAnon}/{@code RssFile}, {@code -XX:NativeMemoryTracking=summary} +
 * {@code jcmd PID VM.native_memory summary} (committed per category), {@code GC.heap_info} (heap used) and the
 * resident part of the heap's address range from {@code /proc/PID/smaps};</li>
 * <li>JVM counters ({@code jcmd PID PerfCounter.print}): class-loading time, JIT compilations and time, GC.</li>
 * </ul>
 * Everything is read at ready, in this order: CPU and RSS from /proc first (nothing of ours runs in the app yet),
 * then the jcmd calls (they add an Attach Listener thread and a little memory). Writes a markdown report and a CSV
 * with every figure of every start.
 */
public final class Breakdown {

    static final Pattern CLASS_LINE = Pattern.compile("^\\[(\\d+)ms\\]\\[(\\d+)ms\\] (\\S+)(?: source: (.*))?$");
    static final Pattern LOG_TIME = Pattern.compile("^(\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d,\\d{3}) ");
    static final DateTimeFormatter LOG_FORMAT = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss,SSS");
    static final Pattern RESOLVED = Pattern.compile("Key Vault: resolved \\d+ references? to \\d+ secrets? in (\\d+) ms");
    static final Pattern NMT_CATEGORY = Pattern.compile("^-\\s+(.+?) \\(reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    static final Pattern NMT_TOTAL = Pattern.compile("^Total: reserved=(\\d+)KB, committed=(\\d+)KB");
    static final Pattern NMT_THREADS = Pattern.compile("\\(thread #(\\d+)\\)");
    static final Pattern NMT_STACK = Pattern.compile("\\(stack: reserved=(\\d+)KB, committed=(\\d+)KB\\)");
    static final Pattern HEAP = Pattern.compile("heap\\s+total (\\d+)K, used (\\d+)K \\[0x([0-9a-f]+), 0x([0-9a-f]+)\\)");

    /** Libraries, by class-name prefix; first match wins. */
    static final List<Map.Entry<String, List<String>>> LIBRARIES = List.of(
            Map.entry("azure-core", List.of("com.azure.core.")),
            Map.entry("azure-identity", List.of("com.azure.identity.")),
            Map.entry("MSAL4J (+ nimbus, json-smart)", List.of("com.microsoft.aad.msal4j.", "com.nimbusds.", "net.minidev.")),
            Map.entry("Key Vault secrets SDK", List.of("com.azure.security.keyvault.")),
            Map.entry("azure-json / azure-xml", List.of("com.azure.json.", "com.azure.xml.")),
            Map.entry("azure, other", List.of("com.azure.")),
            Map.entry("reactor (+ reactive-streams)", List.of("reactor.", "org.reactivestreams.")),
            Map.entry("Jackson", List.of("com.fasterxml.jackson.")),
            Map.entry("Netty", List.of("io.netty.")),
            Map.entry("Vert.x", List.of("io.vertx.")),
            Map.entry("JSSE / JCA (sun.security, javax.net.ssl, javax.crypto, com.sun.crypto)",
                    List.of("sun.security.", "javax.net.ssl.", "javax.crypto.", "com.sun.crypto.", "javax.security.",
                            "com.sun.security.", "java.security.")),
            Map.entry("the project (io.kvconfig)", List.of("io.kvconfig.runtime.", "io.kvconfig.devservices.")),
            Map.entry("Quarkus, SmallRye, JBoss, Jakarta, MicroProfile",
                    List.of("io.quarkus.", "io.smallrye.", "org.jboss.", "jakarta.", "org.eclipse.microprofile.", "org.wildfly.")),
            Map.entry("JDK, other (java.*, jdk.*, sun.*, proxies, lambda forms)", List.of("java.", "javax.", "jdk.", "sun.", "com.sun.")));
    static final String OTHER = "other (slf4j, app, ...)";

    /** Thread kinds, by thread name (as /proc shows it: 15 characters). */
    static String threadKind(String comm) {
        if (comm.equals("java") || comm.equals("main")) {
            return "main (application)";
        }
        if (comm.startsWith("C2 CompilerThre")) {
            return "JIT: C2 compiler threads";
        }
        if (comm.startsWith("C1 CompilerThre")) {
            return "JIT: C1 compiler threads";
        }
        if (comm.startsWith("GC Thread") || comm.startsWith("G1 ")) {
            return "GC threads (G1)";
        }
        if (comm.startsWith("vert.x-eventloo")) {
            return EVENT_LOOPS_APP; // the extension's are told apart by start time, see classify
        }
        if (comm.startsWith("vert.x-") || comm.startsWith("vertx-")) {
            return "Vert.x other (acceptor, internal blocking, blocked-thread checker)";
        }
        if (comm.startsWith("executor-thread")) {
            return "Quarkus executor threads";
        }
        if (comm.startsWith("parallel-") || comm.startsWith("boundedElastic") || comm.startsWith("single-")
                || comm.startsWith("ForkJoinPool")) {
            return "reactor schedulers, ForkJoinPool";
        }
        if (comm.equals("VM Thread") || comm.startsWith("VM Periodic") || comm.startsWith("Sweeper")
                || comm.startsWith("Service Thread") || comm.startsWith("Signal Dispatch") || comm.startsWith("Finalizer")
                || comm.startsWith("Reference ") || comm.startsWith("Common-Cleaner") || comm.startsWith("Monitor Deflati")
                || comm.startsWith("Notification Th")) {
            return "JVM other (VM Thread, sweeper, finalizer, ...)";
        }
        return "other threads";
    }

    static final List<String> THREAD_KINDS = List.of("main (application)", "JIT: C1 compiler threads", "JIT: C2 compiler threads",
            "GC threads (G1)", "Vert.x event loops: the extension's (started before the batch ended)", "Vert.x event loops: the application's",
            "Vert.x other (acceptor, internal blocking, blocked-thread checker)", "Quarkus executor threads",
            "reactor schedulers, ForkJoinPool", "JVM other (VM Thread, sweeper, finalizer, ...)", "other threads");

    static final String EVENT_LOOPS_APP = "Vert.x event loops: the application's";
    static final String EVENT_LOOPS_EXT = "Vert.x event loops: the extension's (started before the batch ended)";

    /** A live thread at ready: its name, its start (ms after the process's start, 10 ms ticks) and its CPU ms. */
    record Task(String comm, double startMs, double cpuMs) {
    }

    /** First-use markers on the timeline: the first load of each class. */
    static final Map<String, String> MARKERS = new LinkedHashMap<>();

    static {
        MARKERS.put("io.kvconfig.runtime.vault.KeyVaultClients", "extension's clients: first use");
        MARKERS.put("io.vertx.core.impl.VertxImpl", "Vert.x instance");
        MARKERS.put("com.azure.security.keyvault.secrets.SecretClientBuilder", "SDK client builder");
        MARKERS.put("io.kvconfig.runtime.vault.SecretReader", "the resolver's reader");
        MARKERS.put("io.netty.handler.ssl.SslHandler", "TLS: Netty SslHandler (connection set up)");
        MARKERS.put("io.netty.handler.ssl.SslHandshakeCompletionEvent", "TLS: handshake completed");
        MARKERS.put("io.vertx.core.http.impl.Http2ClientConnection", "HTTP/2 connection");
    }

    /** The phases of a start with references, in order; each is [from, to) between two events. */
    static final List<String[]> PHASES_REF = List.of(
            new String[] {"spawn", "jvm", "JVM launch (spawn → JVM start)"},
            new String[] {"jvm", "batchStart", "Quarkus boot until the batch starts (config sources, mappings)"},
            new String[] {"batchStart", "clientsClass", "batch: scan for references, settings"},
            new String[] {"clientsClass", "clientsCreated", "extension's client setup: trust store, Vert.x, HTTP clients, credential"},
            new String[] {"clientsCreated", "tlsStart", "from the clients to the first connection: the read path (before lever 1 the SDK's SecretAsyncClient, pipeline and serializers; now SecretReader), reactor, SSL context, connect"},
            new String[] {"tlsStart", "tlsDone", "TLS handshake"},
            new String[] {"tlsDone", "challenge", "challenge: first request → 401 (incl. 20 ms added latency)"},
            new String[] {"challenge", "token", "credential & token: 401 parsed → token endpoint answered"},
            new String[] {"token", "get", "GET with the token (incl. 20 ms added latency)"},
            new String[] {"get", "batchEnd", "after the GET: answer decoded, value handed to the config"},
            new String[] {"batchEnd", "ready", "Quarkus boot after the batch, until GET /ready answers"});
    static final List<String[]> PHASES_NONE = List.of(
            new String[] {"spawn", "jvm", "JVM launch (spawn → JVM start)"},
            new String[] {"jvm", "batchStart", "Quarkus boot until the batch starts (config sources, mappings)"},
            new String[] {"batchStart", "batchEnd", "the batch (scan only: no reference)"},
            new String[] {"batchEnd", "ready", "Quarkus boot after the batch, until GET /ready answers"});

    final Map<String, String> vaultEnv;
    final Path work;
    /** App name -> its quarkus-run.jar: "app-kv" (the benchmark app) and, when given, "service" (the packaged service). */
    final Map<String, Path> jars = new LinkedHashMap<>();
    final List<String> jvmOpts;
    final HttpClient http = HttpClient.newHttpClient();
    int starts;

    Breakdown(Map<String, String> opts) throws IOException {
        this.vaultEnv = StartupBench.readEnvFile(Path.of(Args.require(opts, "vault-env")));
        this.work = Path.of(Args.require(opts, "work")).toAbsolutePath();
        jars.put("app-kv", Path.of(Args.require(opts, "kv-jar")).toAbsolutePath());
        String service = opts.get("service-jar");
        if (service != null && !service.isBlank()) {
            Path sj = Path.of(service).toAbsolutePath();
            if (Files.exists(sj)) {
                jars.put("service", sj);
            } else {
                System.err.println("no service jar at " + sj + ": the service is left out (build it with ./mvnw -pl service -am package)");
            }
        }
        String jvm = opts.getOrDefault("jvm-opts", "").trim();
        this.jvmOpts = jvm.isEmpty() ? List.of() : Arrays.asList(jvm.split("\\s+"));
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        Breakdown b = new Breakdown(opts);
        int runs = Integer.parseInt(opts.getOrDefault("runs", "3"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "1"));
        String uptimeBefore = uptime();
        // app -> refs -> measured starts
        Map<String, Map<Integer, List<Map<String, Double>>>> byApp = new LinkedHashMap<>();
        for (String app : b.jars.keySet()) {
            Map<Integer, List<Map<String, Double>>> byRefs = new LinkedHashMap<>();
            byRefs.put(0, new ArrayList<>());
            byRefs.put(1, new ArrayList<>());
            byApp.put(app, byRefs);
        }
        List<Map.Entry<String, Map<String, Double>>> rows = new ArrayList<>();
        int failed = 0;
        for (int round = 1 - warmup; round <= runs; round++) {
            for (String app : byApp.keySet()) {
                for (int refs : byApp.get(app).keySet()) {
                    Map<String, Double> m;
                    try {
                        m = b.measure(app, refs, round);
                    } catch (Exception e) {
                        System.err.println(app + " with " + refs + " reference(s), round " + round + " failed: " + e.getMessage());
                        failed++;
                        continue;
                    }
                    System.out.printf(Locale.ROOT, "%-4s %-7s %d ref(s) round %d: ready %.0f ms, CPU %.0f ms, RSS %.0f MB, classes %.0f%n",
                            round <= 0 ? "warm" : "run", app, refs, round, m.get("ready"), m.get("cpu"), m.get("rss.VmRSS") / 1024,
                            m.get("classes.total"));
                    rows.add(Map.entry(app + "," + refs + "," + round + "," + (round <= 0), m));
                    if (round > 0) {
                        byApp.get(app).get(refs).add(m);
                    }
                }
            }
        }
        String uptimeAfter = uptime();
        StringBuilder md = new StringBuilder();
        md.append(header(byApp, warmup, uptimeBefore, uptimeAfter, b.vaultEnv));
        for (var e : byApp.entrySet()) {
            md.append(report(e.getKey(), e.getValue()));
        }
        Path outMd = Path.of(opts.getOrDefault("out-md", b.work.resolve("breakdown.md").toString()));
        Path outCsv = Path.of(opts.getOrDefault("out-csv", b.work.resolve("breakdown.csv").toString()));
        Files.createDirectories(outMd.toAbsolutePath().getParent());
        Files.writeString(outMd, md);
        // one header for every start: the union of their figures; a figure a start does not have is left empty
        List<String> keys = new ArrayList<>();
        rows.forEach(r -> r.getValue().keySet().stream().filter(k -> !keys.contains(k)).forEach(keys::add));
        List<String> csv = new ArrayList<>();
        csv.add("app,refs,round,warmup," + String.join(",", keys.stream().map(k -> '"' + k.replace("\"", "'") + '"').toList()));
        for (var r : rows) {
            csv.add(r.getKey() + "," + String.join(",", keys.stream().map(k -> r.getValue().get(k))
                    .map(v -> v == null ? "" : String.format(Locale.ROOT, "%.1f", v)).toList()));
        }
        Files.write(outCsv, csv);
        System.out.println();
        System.out.println(md);
        System.out.println("wrote " + outMd + " and " + outCsv);
        boolean empty = byApp.values().stream().flatMap(r -> r.values().stream()).anyMatch(List::isEmpty);
        if (failed > 0 || empty) {
            System.err.println(failed + " start(s) failed: see the logs under " + b.work);
            System.exit(1);
        }
    }

    // ---------------------------------------------------------------- one start

    Map<String, Double> measure(String app, int refs, int round) throws Exception {
        Path dir = work.resolve(app + "-" + refs);
        boolean service = app.equals("service");
        if (service) {
            writeServiceEnv(refs, dir);
        } else {
            StartupBench.writeAppConfig(new StartupBench.Case("kv-" + refs, "kv", refs, refs, 100, null, null), dir);
        }
        int port = 18160 + (starts++ % 20);
        Path classLog = dir.resolve("classload-" + round + ".log");
        Files.deleteIfExists(classLog);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOpts);
        // tm = wall clock (ms), um = JVM uptime (ms): the first puts classes on the same clock as the vault's journal
        cmd.add("-Xlog:class+load=info:file=" + classLog + ":tm,um");
        cmd.add("-XX:NativeMemoryTracking=summary");
        cmd.addAll(devVaultFlags(vaultEnv, port));
        // "Key Vault clients created" (DEBUG) marks the end of the extension's own client setup
        cmd.add("-Dquarkus.log.category.\"io.kvconfig\".level=DEBUG");
        cmd.add("-jar");
        cmd.add(jars.get(app).toString());

        vaultCall("/reset");
        Path log = dir.resolve("round-" + round + ".log");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        long spawnEpoch = System.currentTimeMillis();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> StartupBench.drain(p.getInputStream(), lines, log), "log-" + app + "-" + refs);
        reader.setDaemon(true);
        reader.start();
        Map<String, Double> m = new LinkedHashMap<>();
        List<double[]> cpuSamples = new ArrayList<>();
        try {
            String body = null;
            while (body == null) {
                // the process's CPU so far, every poll (~5 ms): gives the CPU each phase used, which load distorts less than wall time
                sampleCpu(p.pid(), cpuSamples);
                Optional<String> ok = service ? tryGet(port, "/health") : StartupBench.tryReady(port);
                if (ok.isPresent()) {
                    body = ok.get().trim();
                    break;
                }
                if (!p.isAlive()) {
                    throw new IOException("exited with " + p.exitValue() + " before ready; log: " + log);
                }
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(120)) {
                    throw new IOException("not ready after 120 s; log: " + log);
                }
                Thread.sleep(5);
            }
            double readyMs = (System.nanoTime() - t0) / 1e6;
            long pid = p.pid();
            // 1. /proc first: nothing of ours has run in the app yet
            m.put("ready", readyMs);
            m.put("cpu", StartupBench.cpuMs(pid));
            List<Task> tasks = tasks(pid);
            status(pid, m);
            String expected = "refs=" + refs + " resolved=" + refs;
            // the service does not start unless its one reference (ADMIN_SECRET) resolved
            if (!service && !expected.equals(body)) {
                throw new IOException("GET /ready said '" + body + "', expected '" + expected + "'");
            }
            // 2. the vault's journal of this start
            String journal = vaultCall("/journal");
            // 3. jcmd: native memory, heap, JVM counters
            nmt(jcmd(pid, "VM.native_memory", "summary"), m);
            heap(pid, jcmd(pid, "GC.heap_info"), m);
            perf(jcmd(pid, "PerfCounter.print"), m);
            // last, as it changes the process: what glibc holds in free malloc memory (JIT arenas, per-thread arenas)
            trim(jcmd(pid, "System.trim_native_heap"), m);
            p.destroy();
            if (!p.waitFor(20, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            reader.join(5000);
            List<String> copy;
            synchronized (lines) {
                copy = new ArrayList<>(lines);
            }
            Map<String, Long> events = new LinkedHashMap<>();
            events.put("spawn", spawnEpoch);
            List<Loaded> loaded = classes(classLog, spawnEpoch + (long) readyMs, m, events);
            logEvents(copy, events);
            journalEvents(journal, events);
            events.put("ready", spawnEpoch + Math.round(readyMs));
            // the extension's Vert.x starts while the config is built; the application's after the batch
            Long batchEnd = events.get("batchEnd");
            threads(tasks, batchEnd == null ? Double.MAX_VALUE : batchEnd - spawnEpoch, m);
            for (String[] ph : refs == 0 ? PHASES_NONE : PHASES_REF) {
                Long from = events.get(ph[0]);
                Long to = events.get(ph[1]);
                if (from != null && to != null) {
                    m.put("phase." + ph[2], (double) (to - from));
                    double cpuFrom = ph[0].equals("spawn") ? 0 : cpuAt(cpuSamples, from);
                    double cpuTo = ph[1].equals("ready") ? m.get("cpu") : cpuAt(cpuSamples, to);
                    m.put("phasecpu." + ph[2], cpuTo - cpuFrom);
                    // classes loaded within the phase, by library: which part of the stack each step pulls in
                    long lo = from;
                    long hi = to;
                    List<Loaded> in = loaded.stream().filter(l -> l.epochMs() >= lo && l.epochMs() < hi).toList();
                    m.put("phaseclasses." + ph[2], (double) in.size());
                    for (Loaded l : in) {
                        m.merge("phaselib." + ph[2] + "|" + l.library(), 1.0, Double::sum);
                    }
                }
            }
            Long bs = events.get("batchStart");
            Long be = events.get("batchEnd");
            if (bs != null && be != null) {
                m.put("batch.wall", (double) (be - bs));
                m.put("batch.cpu", cpuAt(cpuSamples, be) - cpuAt(cpuSamples, bs));
            }
            Long jvm = events.get("jvm");
            for (var e : events.entrySet()) {
                if (jvm != null && !e.getKey().equals("spawn")) {
                    m.put("event." + e.getKey(), (double) (e.getValue() - jvm));
                }
            }
            return m;
        } finally {
            if (p.isAlive()) {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            Thread.sleep(300); // let the machine settle between starts
        }
    }

    /**
     * The service's .env: ADMIN_SECRET as a reference (the secret run.sh seeds into the bench vault from
     * BENCH_ADMIN_SECRET) or, for 0 references, as a plain random value.
     */
    static void writeServiceEnv(int refs, Path dir) throws IOException {
        Files.createDirectories(dir);
        String value = refs == 0 ? "bench-plain-" + Long.toHexString(Double.doubleToLongBits(Math.random())) + "-admin-secret"
                : "@kv:bench-admin-secret";
        Path env = dir.resolve(".env");
        Files.writeString(env, "# written by the benchmark breakdown\nADMIN_SECRET=" + value + "\nLOG_LEVEL=INFO\n");
        Files.setPosixFilePermissions(env, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    }

    /** One GET over a raw socket; empty unless the answer is a 200. */
    static Optional<String> tryGet(int port, String path) {
        try (java.net.Socket s = new java.net.Socket()) {
            s.connect(new java.net.InetSocketAddress("127.0.0.1", port), 500);
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String response = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            return response.startsWith("HTTP/1.1 200") ? Optional.of(response.substring(response.indexOf("\r\n\r\n") + 4))
                    : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not listening yet, or reset while coming up
        }
    }

    static void sampleCpu(long pid, List<double[]> samples) {
        try {
            samples.add(new double[] {System.currentTimeMillis(), StartupBench.cpuMs(pid)});
        } catch (IOException | RuntimeException e) {
            // not there yet, or gone: no sample
        }
    }

    /** The process's CPU ms at a wall-clock time, interpolated between the two samples around it. */
    static double cpuAt(List<double[]> samples, long epochMs) {
        double[] before = null;
        for (double[] s : samples) {
            if (s[0] <= epochMs) {
                before = s;
            } else {
                if (before == null) {
                    return 0; // before the first sample, taken right after the spawn
                }
                double f = (epochMs - before[0]) / Math.max(1, s[0] - before[0]);
                return before[1] + f * (s[1] - before[1]);
            }
        }
        return before == null ? Double.NaN : before[1];
    }

    /** Every live thread of the process, from /proc/PID/task/TID/stat (utime, stime, starttime). */
    static List<Task> tasks(long pid) throws IOException {
        double hz = Long.getLong("bench.clk-tck", 100);
        String self = Files.readString(Path.of("/proc/" + pid + "/stat"));
        long procStart = Long.parseLong(self.substring(self.lastIndexOf(')') + 2).split(" ")[19]);
        List<Task> out = new ArrayList<>();
        try (Stream<Path> tasks = Files.list(Path.of("/proc/" + pid + "/task"))) {
            for (Path t : tasks.toList()) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (IOException e) {
                    continue; // the thread ended while we listed
                }
                String comm = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
                // after "pid (comm) ": field 3 is f[0], so utime (14) is f[11], stime (15) f[12], starttime (22) f[19]
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                double ms = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 1000.0 / hz;
                double start = (Long.parseLong(f[19]) - procStart) * 1000.0 / hz;
                out.add(new Task(comm, start, ms));
            }
        }
        return out;
    }

    /**
     * CPU ms and count per thread kind; "ended threads" = the process's total minus the threads still alive. Event
     * loops started before the batch's end (ms after spawn) are the extension's own Vert.x.
     */
    static void threads(List<Task> tasks, double batchEndMs, Map<String, Double> m) {
        Map<String, Double> cpu = new LinkedHashMap<>();
        Map<String, Double> count = new LinkedHashMap<>();
        THREAD_KINDS.forEach(k -> {
            cpu.put(k, 0.0);
            count.put(k, 0.0);
        });
        double live = 0;
        for (Task t : tasks) {
            String kind = threadKind(t.comm());
            if (kind.equals(EVENT_LOOPS_APP) && t.startMs() <= batchEndMs) {
                kind = EVENT_LOOPS_EXT;
            }
            cpu.merge(kind, t.cpuMs(), Double::sum);
            count.merge(kind, 1.0, Double::sum);
            live += t.cpuMs();
        }
        double total = m.get("cpu");
        cpu.forEach((k, v) -> m.put("cpu." + k, v));
        m.put("cpu.threads that ended before ready", Math.max(0, total - live));
        count.forEach((k, v) -> m.put("threads." + k, v));
        m.put("threads.total alive", count.values().stream().mapToDouble(Double::doubleValue).sum());
    }

    static void status(long pid, Map<String, Double> m) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
            for (String key : List.of("VmRSS", "RssAnon", "RssFile", "RssShmem")) {
                if (line.startsWith(key + ":")) {
                    m.put("rss." + key, Double.parseDouble(line.replaceAll("[^0-9]", "")));
                }
            }
        }
    }

    static String jcmd(long pid, String... command) throws IOException, InterruptedException {
        return jcmd(Path.of(System.getProperty("java.home")), pid, command);
    }

    /** Runs {@code jcmd} of the JDK at {@code javaHome} against {@code pid} (the target's own JDK: versions must match). */
    static String jcmd(Path javaHome, long pid, String... command) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.resolve("bin/jcmd").toString());
        cmd.add(Long.toString(pid));
        cmd.addAll(Arrays.asList(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out;
        try (InputStream in = p.getInputStream()) {
            out = in.readAllBytes();
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("jcmd " + String.join(" ", command) + " did not finish");
        }
        return new String(out, StandardCharsets.UTF_8);
    }

    static void nmt(String text, Map<String, Double> m) {
        for (String line : text.split("\n")) {
            Matcher total = NMT_TOTAL.matcher(line.trim());
            if (total.find()) {
                m.put("nmt.Total", Double.parseDouble(total.group(2)));
            }
            Matcher c = NMT_CATEGORY.matcher(line);
            if (c.find()) {
                m.put("nmt." + c.group(1).trim(), Double.parseDouble(c.group(3)));
            }
            Matcher th = NMT_THREADS.matcher(line);
            if (th.find()) {
                m.put("nmt.threads", Double.parseDouble(th.group(1)));
            }
            Matcher st = NMT_STACK.matcher(line);
            if (st.find()) {
                m.put("nmt.thread stacks", Double.parseDouble(st.group(2)));
            }
        }
        if (!m.containsKey("nmt.Total")) {
            throw new IllegalStateException("no NMT summary: " + text.lines().limit(5).toList());
        }
    }

    static final Pattern TRIM = Pattern.compile("RSS\\+Swap: \\S+->\\S+ \\(([-+]?\\d+)([KMG])\\)");

    /** "Trim native heap: RSS+Swap: 112M->105M (-6592K)": RSS that was free C-heap memory glibc still held. */
    static void trim(String text, Map<String, Double> m) {
        Matcher t = TRIM.matcher(text);
        if (t.find()) {
            double kb = Math.abs(Double.parseDouble(t.group(1))) * switch (t.group(2)) {
                case "M" -> 1024;
                case "G" -> 1024 * 1024;
                default -> 1;
            };
            m.put("rss.trim", kb);
        }
    }

    /** Heap used (GC.heap_info) and the resident part of the heap's address range (/proc/PID/smaps). */
    static void heap(long pid, String text, Map<String, Double> m) throws IOException {
        Matcher h = HEAP.matcher(text);
        if (!h.find()) {
            return;
        }
        m.put("heap.used", Double.parseDouble(h.group(2)));
        long lo = Long.parseUnsignedLong(h.group(3), 16);
        long hi = Long.parseUnsignedLong(h.group(4), 16);
        long rss = 0;
        boolean in = false;
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/smaps"))) {
            int dash = line.indexOf('-');
            int space = line.indexOf(' ');
            if (dash > 0 && space > dash && line.substring(0, dash).matches("[0-9a-f]+")) {
                long start = Long.parseUnsignedLong(line.substring(0, dash), 16);
                in = start >= lo && start < hi;
            } else if (in && line.startsWith("Rss:")) {
                rss += Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        m.put("heap.resident", (double) rss);
    }

    static final Map<String, String> PERF = new LinkedHashMap<>();

    static {
        PERF.put("java.cls.loadedClasses", "classes loaded (JVM counter)");
        PERF.put("sun.cls.time", "class loading, ms (elapsed, nested loads included)");
        PERF.put("sun.cls.defineAppClassTime.self", "defining (parsing) classes from jars, ms (self)");
        PERF.put("sun.cls.classVerifyTime.self", "bytecode verification, ms (self)");
        PERF.put("sun.cls.classLinkedTime.self", "linking, ms (self)");
        PERF.put("sun.cls.classInitTime.self", "static initialisers, ms (self)");
        PERF.put("java.ci.totalTime", "JIT compiling, ms (elapsed, all compiler threads)");
        PERF.put("sun.ci.totalCompiles", "JIT compilations");
        PERF.put("sun.ci.nmethodCodeSize", "compiled code, KB");
        PERF.put("sun.gc.collector.0.invocations", "young GCs");
        PERF.put("sun.gc.collector.0.time", "young GC pauses, ms");
        PERF.put("sun.rt.safepoints", "safepoints");
        PERF.put("sun.rt.safepointTime", "time in safepoints, ms");
    }

    static void perf(String text, Map<String, Double> m) {
        Map<String, String> v = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                v.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replace("\"", ""));
            }
        }
        double freq = Double.parseDouble(v.getOrDefault("sun.os.hrt.frequency", "1000000000"));
        for (String key : PERF.keySet()) {
            String raw = v.get(key);
            if (raw == null || !raw.matches("-?\\d+")) {
                continue;
            }
            double value = Double.parseDouble(raw);
            // timers are in ticks of the high-resolution clock
            boolean ticks = key.contains("Time") || key.endsWith(".time");
            m.put("perf." + key, ticks ? value * 1000 / freq : key.endsWith("Size") ? value / 1024 : value);
        }
    }

    /** Counts classes by library up to ready, and puts the first-use markers (and the JVM's start) on the timeline. */
    /** One class loaded before ready: when (wall clock) and its library. */
    record Loaded(long epochMs, String library) {
    }

    static List<Loaded> classes(Path file, long readyEpoch, Map<String, Double> m, Map<String, Long> events) throws IOException {
        List<Loaded> loaded = new ArrayList<>();
        Map<String, Double> byLib = new LinkedHashMap<>();
        LIBRARIES.forEach(e -> byLib.put(e.getKey(), 0.0));
        byLib.put(OTHER, 0.0);
        int total = 0;
        int cds = 0;
        int hidden = 0;
        Long jvmStart = null;
        Map<String, Long> markers = new LinkedHashMap<>();
        for (String line : Files.readAllLines(file)) {
            Matcher c = CLASS_LINE.matcher(line);
            if (!c.matches()) {
                continue;
            }
            long tm = Long.parseLong(c.group(1));
            if (jvmStart == null) {
                jvmStart = tm - Long.parseLong(c.group(2));
            }
            if (tm > readyEpoch) {
                continue;
            }
            String name = c.group(3);
            String source = c.group(4) == null ? "" : c.group(4);
            total++;
            if (source.startsWith("shared objects file")) {
                cds++;
            }
            if (name.contains("$$Lambda$") || name.contains("/0x") || source.startsWith("__")) {
                hidden++;
            }
            String lib = library(name);
            byLib.merge(lib, 1.0, Double::sum);
            loaded.add(new Loaded(tm, lib));
            if (MARKERS.containsKey(name)) {
                markers.putIfAbsent(name, tm);
            }
        }
        m.put("classes.total", (double) total);
        m.put("classes.from the JDK's CDS archive", (double) cds);
        m.put("classes.lambdas, proxies, hidden classes", (double) hidden);
        byLib.forEach((k, v) -> m.put("lib." + k, v));
        if (jvmStart != null) {
            events.put("jvm", jvmStart);
        }
        markers.forEach((k, v) -> events.put("marker." + k, v));
        Long clients = markers.get("io.kvconfig.runtime.vault.KeyVaultClients");
        if (clients != null) {
            events.put("clientsClass", clients);
        }
        Long tls = markers.get("io.netty.handler.ssl.SslHandler");
        if (tls != null) {
            events.put("tlsStart", tls);
        }
        Long done = markers.get("io.netty.handler.ssl.SslHandshakeCompletionEvent");
        if (done != null) {
            events.put("tlsDone", done);
        }
        return loaded;
    }

    static String library(String className) {
        if (className.startsWith("io.kvconfig.bench.")) {
            return OTHER; // the benchmark app itself
        }
        for (var e : LIBRARIES) {
            for (String prefix : e.getValue()) {
                if (className.startsWith(prefix)) {
                    return e.getKey();
                }
            }
        }
        return OTHER;
    }

    /** The extension's lines: "Key Vault clients created" (DEBUG) and the startup line, whose duration gives the batch's start. */
    static void logEvents(List<String> lines, Map<String, Long> events) {
        ZoneId zone = ZoneId.systemDefault();
        for (String line : lines) {
            Matcher t = LOG_TIME.matcher(line);
            if (!t.find()) {
                continue;
            }
            long at = LocalDateTime.parse(t.group(1), LOG_FORMAT).atZone(zone).toInstant().toEpochMilli();
            if (line.contains("Key Vault clients created")) {
                events.putIfAbsent("clientsCreated", at);
            }
            Matcher r = RESOLVED.matcher(line);
            if (r.find() && !events.containsKey("batchEnd")) {
                events.put("batchEnd", at);
                events.put("batchStart", at - Long.parseLong(r.group(1)));
            }
        }
    }

    /** The first Challenge, Token and GetSecret request of the start, as the vault's journal timed them. */
    static void journalEvents(String journal, Map<String, Long> events) {
        for (String line : journal.split("\n")) {
            String[] f = line.trim().split(" ");
            if (f.length < 2) {
                continue;
            }
            String key = switch (f[1]) {
                case "Challenge" -> "challenge";
                case "Token" -> "token";
                case "GetSecret" -> "get";
                default -> null;
            };
            if (key != null) {
                events.putIfAbsent(key, Long.parseLong(f[0]));
            }
        }
    }

    String vaultCall(String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(vaultEnv.get("STATS_URL") + path)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    static String uptime() {
        try {
            Process p = new ProcessBuilder("uptime").redirectErrorStream(true).start();
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            p.waitFor(5, TimeUnit.SECONDS);
            return s;
        } catch (IOException e) {
            return "load average " + loadavg();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "load average " + loadavg();
        }
    }

    static String loadavg() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).trim();
        } catch (IOException e) {
            return "unknown";
        }
    }

    // ---------------------------------------------------------------- report

    static double median(List<Map<String, Double>> starts, String key) {
        double[] v = starts.stream().map(s -> s.get(key)).filter(d -> d != null && !d.isNaN()).mapToDouble(Double::doubleValue)
                .sorted().toArray();
        if (v.length == 0) {
            return Double.NaN;
        }
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static String range(List<Map<String, Double>> starts, String key, double scale) {
        double[] v = starts.stream().map(s -> s.get(key)).filter(d -> d != null && !d.isNaN()).mapToDouble(Double::doubleValue)
                .sorted().toArray();
        if (v.length == 0) {
            return "–";
        }
        double med = median(starts, key);
        return v.length == 1 ? String.format(Locale.ROOT, "%.0f", med / scale)
                : String.format(Locale.ROOT, "%.0f (%.0f–%.0f)", med / scale, v[0] / scale, v[v.length - 1] / scale);
    }

    /** The median, 0 when no start had the key (a phase that loaded no class of a library). */
    static String med0(List<Map<String, Double>> starts, String key) {
        double v = median(starts, key);
        return String.format(Locale.ROOT, "%.0f", Double.isNaN(v) ? 0 : v);
    }

    static String shortLib(String lib) {
        int paren = lib.indexOf(" (");
        return paren > 0 ? lib.substring(0, paren) : lib;
    }

    static String delta(List<Map<String, Double>> a, List<Map<String, Double>> b, String key, double scale) {
        double d = (median(b, key) - median(a, key)) / scale;
        return Double.isNaN(d) ? "–" : String.format(Locale.ROOT, "%+.0f", d);
    }

    static String row(String label, List<Map<String, Double>> s0, List<Map<String, Double>> s1, String key, double scale) {
        return "| " + label + " | " + range(s0, key, scale) + " | " + range(s1, key, scale) + " | " + delta(s0, s1, key, scale) + " |\n";
    }

    static String header(Map<String, Map<Integer, List<Map<String, Double>>>> byApp, int warmup, String uptimeBefore,
            String uptimeAfter, Map<String, String> vaultEnv) {
        StringBuilder md = new StringBuilder();
        md.append("### Where the first secret's cost goes: breakdown run ")
                .append(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").format(java.time.ZonedDateTime.now(ZoneId.of("UTC"))))
                .append("\n\n");
        md.append("- apps: ").append(String.join(", ", byApp.keySet().stream().map(a -> a.equals("service")
                ? "the packaged service (`service/target/quarkus-app`, 1 reference = `ADMIN_SECRET=@kv:bench-admin-secret` in its `.env`, 0 = a plain value; ready = first 200 of `GET /health`)"
                : "the benchmark app `app-kv` (1 reference = one `bench.ref.000=@kv:bench-s-000`; ready = first 200 of `GET /ready`, which checks it resolved)").toList()))
                .append("; dev vault `BenchVault` (added latency ").append(vaultEnv.get("LATENCY_MS"))
                .append(" ms per HTTPS response)\n");
        var first = byApp.values().iterator().next();
        md.append("- ").append(first.get(0).size()).append(" + ").append(first.get(1).size())
                .append(" measured starts per app (0 / 1 reference) after ").append(warmup)
                .append(" warm-up round, rounds interleaved (0 and 1 reference, every app, then the next round); figures: median (min–max), ")
                .append("Δ = difference of the medians\n");
        md.append("- every start instrumented the same way: `-Xlog:class+load=info:file=...:tm,um -XX:NativeMemoryTracking=summary`, ")
                .append("`io.kvconfig` logging at DEBUG; everything read at ready\n");
        md.append("- JVM: ").append(System.getProperty("java.vm.name")).append(' ').append(System.getProperty("java.runtime.version"))
                .append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores\n");
        md.append("- `uptime` before: `").append(uptimeBefore).append("`; after: `").append(uptimeAfter).append("`\n");
        return md.toString();
    }

    static String report(String app, Map<Integer, List<Map<String, Double>>> byRefs) {
        List<Map<String, Double>> s0 = byRefs.get(0);
        List<Map<String, Double>> s1 = byRefs.get(1);
        String head = "| | 0 references | 1 reference | Δ (1 − 0) |\n|---|---:|---:|---:|\n";
        StringBuilder md = new StringBuilder();
        md.append("\n#### ").append(app.equals("service") ? "The packaged service" : "The benchmark app (app-kv)").append("\n\n");
        md.append("##### Totals at ready\n\n").append(head);
        md.append(row("time to ready, ms (instrumented)", s0, s1, "ready", 1));
        md.append(row("CPU at ready, ms (all threads)", s0, s1, "cpu", 1));
        md.append(row("the extension's batch (startup line), wall ms", s0, s1, "batch.wall", 1));
        md.append(row("the extension's batch, CPU ms (all threads)", s0, s1, "batch.cpu", 1));
        md.append(row("RSS (VmRSS), MB", s0, s1, "rss.VmRSS", 1024));
        md.append(row("classes loaded by ready", s0, s1, "classes.total", 1));
        md.append(row("threads alive at ready", s0, s1, "threads.total alive", 1));

        md.append("\n##### Classes loaded by ready, by library\n\n")
                .append("From `-Xlog:class+load`, grouped by the class's package; lambdas and proxies count with their package.\n\n")
                .append(head);
        for (var e : LIBRARIES) {
            md.append(row(e.getKey(), s0, s1, "lib." + e.getKey(), 1));
        }
        md.append(row(OTHER, s0, s1, "lib." + OTHER, 1));
        md.append(row("**total**", s0, s1, "classes.total", 1));
        md.append(row("of which from the JDK's CDS archive (cheap to load)", s0, s1, "classes.from the JDK's CDS archive", 1));
        md.append(row("of which lambdas, proxies, hidden classes (generated at run time)", s0, s1,
                "classes.lambdas, proxies, hidden classes", 1));

        md.append("\n##### CPU by thread kind at ready, ms\n\n")
                .append("utime + stime of each live thread from `/proc/PID/task/TID/stat` (10 ms ticks per thread), by thread name; ")
                .append("\"threads that ended\" = the process's total minus the live threads.\n\n")
                .append("| thread kind | 0 references | 1 reference | Δ (1 − 0) | threads (0 / 1) |\n|---|---:|---:|---:|---|\n");
        List<String> kinds = new ArrayList<>(THREAD_KINDS);
        kinds.add("threads that ended before ready");
        for (String k : kinds) {
            String key = "cpu." + k;
            md.append("| ").append(k).append(" | ").append(range(s0, key, 1)).append(" | ").append(range(s1, key, 1))
                    .append(" | ").append(delta(s0, s1, key, 1)).append(" | ")
                    .append(k.startsWith("threads that") ? "–" : String.format(Locale.ROOT, "%.0f / %.0f",
                            median(s0, "threads." + k), median(s1, "threads." + k)))
                    .append(" |\n");
        }
        md.append(row("**total (process)**", s0, s1, "cpu", 1).replaceFirst(" \\|\n$", " | |\n"));

        md.append("\n##### Wall time by phase, ms\n\n")
                .append("Events on one wall clock (ms): the JVM's start and first-use markers from the class-load log's `tm` decoration, ")
                .append("the extension's log lines (`Key Vault clients created` at DEBUG; the startup line, whose duration gives the batch's start), ")
                .append("and the dev vault journal's time of each request (taken when the vault handles it, after the added latency, just before it answers). ")
                .append("Precision: 1 ms per clock reading; a first-use marker fires when the class is first needed, which can be some ms after the ")
                .append("work it marks began. *CPU ms* = the app process's CPU (all threads) used within the phase: the harness reads ")
                .append("`/proc/PID/stat` at every poll (about every 5 ms) and interpolates at the phase's bounds (10 ms ticks); CPU is what ")
                .append("a loaded machine distorts least. The median of each phase is taken separately, so the phases need not add up ")
                .append("to the median ready time.\n\n");
        md.append("| phase (1 reference) | wall ms | CPU ms | classes loaded | | phase (0 references) | wall ms | CPU ms | classes loaded |\n")
                .append("|---|---:|---:|---:|---|---|---:|---:|---:|\n");
        int rows = Math.max(PHASES_REF.size(), PHASES_NONE.size());
        for (int i = 0; i < rows; i++) {
            String a = i < PHASES_REF.size() ? PHASES_REF.get(i)[2] : "";
            String b = i < PHASES_NONE.size() ? PHASES_NONE.get(i)[2] : "";
            md.append("| ").append(a).append(" | ").append(a.isEmpty() ? "" : range(s1, "phase." + a, 1))
                    .append(" | ").append(a.isEmpty() ? "" : range(s1, "phasecpu." + a, 1))
                    .append(" | ").append(a.isEmpty() ? "" : med0(s1, "phaseclasses." + a))
                    .append(" | | ").append(b).append(" | ").append(b.isEmpty() ? "" : range(s0, "phase." + b, 1))
                    .append(" | ").append(b.isEmpty() ? "" : range(s0, "phasecpu." + b, 1))
                    .append(" | ").append(b.isEmpty() ? "" : med0(s0, "phaseclasses." + b)).append(" |\n");
        }
        md.append("| **time to ready** | ").append(range(s1, "ready", 1)).append(" | ").append(range(s1, "cpu", 1))
                .append(" | ").append(med0(s1, "classes.total"))
                .append(" | | **time to ready** | ").append(range(s0, "ready", 1)).append(" | ").append(range(s0, "cpu", 1))
                .append(" | ").append(med0(s0, "classes.total")).append(" |\n");
        md.append("\nClasses loaded within each phase of the 1-reference start, by library (medians; libraries with 10 or more):\n\n")
                .append("| phase | classes by library |\n|---|---|\n");
        for (String[] ph : PHASES_REF) {
            List<String> parts = new ArrayList<>();
            List<String> libs = new ArrayList<>(LIBRARIES.stream().map(Map.Entry::getKey).toList());
            libs.add(OTHER);
            List<Map.Entry<String, Double>> counts = new ArrayList<>();
            for (String lib : libs) {
                double c = median(s1, "phaselib." + ph[2] + "|" + lib);
                if (!Double.isNaN(c) && c >= 10) {
                    counts.add(Map.entry(lib, c));
                }
            }
            counts.sort((x, y) -> Double.compare(y.getValue(), x.getValue()));
            counts.forEach(e -> parts.add(shortLib(e.getKey()) + " " + Math.round(e.getValue())));
            md.append("| ").append(ph[2]).append(" | ").append(parts.isEmpty() ? "–" : String.join(", ", parts)).append(" |\n");
        }
        md.append("\nTimeline of the 1-reference start, ms since JVM start (medians):\n\n| event | ms |\n|---|---:|\n");
        List<String> order = new ArrayList<>(List.of("batchStart", "clientsClass", "marker.io.vertx.core.impl.VertxImpl",
                "clientsCreated", "marker.com.azure.security.keyvault.secrets.SecretClientBuilder",
                "marker.io.kvconfig.runtime.vault.SecretReader", "tlsStart", "tlsDone",
                "marker.io.vertx.core.http.impl.Http2ClientConnection", "challenge", "token", "get", "batchEnd", "ready"));
        Map<String, String> names = new LinkedHashMap<>();
        names.put("batchStart", "the batch starts (startup line's end − its duration)");
        names.put("clientsClass", "first use of `KeyVaultClients`");
        names.put("marker.io.vertx.core.impl.VertxImpl", "first use of `VertxImpl` (the extension's Vert.x)");
        names.put("clientsCreated", "log: `Key Vault clients created`");
        names.put("marker.com.azure.security.keyvault.secrets.SecretClientBuilder", "first use of `SecretClientBuilder`");
        names.put("marker.io.kvconfig.runtime.vault.SecretReader", "first use of `SecretReader`");
        names.put("tlsStart", "first use of Netty `SslHandler` (connection being set up)");
        names.put("tlsDone", "first use of `SslHandshakeCompletionEvent` (handshake done)");
        names.put("marker.io.vertx.core.http.impl.Http2ClientConnection", "first use of `Http2ClientConnection`");
        names.put("challenge", "vault journal: challenge (401) answered");
        names.put("token", "vault journal: token answered");
        names.put("get", "vault journal: GetSecret answered");
        names.put("batchEnd", "log: the extension's startup line");
        names.put("ready", "ready (first 200 of the ready URL)");
        for (String e : order) {
            md.append("| ").append(names.get(e)).append(" | ").append(range(s1, "event." + e, 1)).append(" |\n");
        }

        md.append("\n##### RSS by cause at ready, MB\n\n")
                .append("`VmRSS`, `RssAnon`, `RssFile` from `/proc/PID/status`; the NMT rows are *committed* memory from ")
                .append("`jcmd PID VM.native_memory summary` (committed is not all resident); heap used from `jcmd PID GC.heap_info`, ")
                .append("heap resident = `Rss` of the heap's address range in `/proc/PID/smaps`. Netty's and the JDK's direct buffers are in NMT's ")
                .append("`Other` row (the JDK counts `ByteBuffer.allocateDirect` and Netty's `Unsafe` allocations there). ")
                .append("NMT itself costs about its own row.\n\n").append(head);
        md.append(row("VmRSS", s0, s1, "rss.VmRSS", 1024));
        md.append(row("RssAnon (heap, metaspace, code, stacks, malloc)", s0, s1, "rss.RssAnon", 1024));
        md.append(row("RssFile (mapped jars, libjvm, CDS archive)", s0, s1, "rss.RssFile", 1024));
        md.append(row("Java heap: resident", s0, s1, "heap.resident", 1024));
        md.append(row("free C-heap memory glibc held (released by `jcmd PID System.trim_native_heap`, run last)", s0, s1,
                "rss.trim", 1024));
        md.append(row("Java heap: used", s0, s1, "heap.used", 1024));
        List<String> nmtKeys = new ArrayList<>();
        for (Map<String, Double> s : s1) {
            s.keySet().stream().filter(k -> k.startsWith("nmt.") && !nmtKeys.contains(k)).forEach(nmtKeys::add);
        }
        for (String k : nmtKeys) {
            String label = k.substring(4);
            if (label.equals("threads")) {
                md.append(row("NMT: threads (count)", s0, s1, k, 1));
                continue;
            }
            if (median(s1, k) < 512 && median(s0, k) < 512 && !label.equals("Other")) {
                continue; // under 0.5 MB either way
            }
            md.append(row("NMT committed: " + label, s0, s1, k, 1024));
        }

        md.append("\n##### JVM counters at ready (`jcmd PID PerfCounter.print`)\n\n").append(head);
        for (var e : PERF.entrySet()) {
            md.append(row(e.getValue(), s0, s1, "perf." + e.getKey(), 1));
        }
        return md.toString();
    }

    /** The system properties that point an app at the bench's dev vault and serve HTTP on {@code port} (loopback). */
    static List<String> devVaultFlags(Map<String, String> vaultEnv, int port) {
        return List.of("-Dquarkus.http.port=" + port, "-Dquarkus.http.host=127.0.0.1",
                "-Dquarkus.kvconfig.url=" + vaultEnv.get("VAULT_URL"),
                "-Dquarkus.kvconfig.credential.identity-endpoint=" + vaultEnv.get("IDENTITY_ENDPOINT"),
                "-Dquarkus.kvconfig.credential.identity-header=" + vaultEnv.get("IDENTITY_HEADER"),
                "-Dquarkus.kvconfig.tls.trust-store=" + vaultEnv.get("CA_PEM"),
                "-Dquarkus.kvconfig.challenge-resource-verification=false");
    }

}
