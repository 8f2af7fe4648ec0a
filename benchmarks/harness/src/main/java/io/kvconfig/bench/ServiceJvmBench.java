package io.kvconfig.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Issue 14 §2 lever 3: the packaged service started with 0 and 1 reference on Java 17 and Java 25, plain and with
 * a class archive (Quarkus's build-time AppCDS archive on 17, the JDK's AOT cache on 25), rows interleaved.
 * <p>
 * Every start runs in the app directory with {@code -jar quarkus-run.jar}, as Quarkus's guides start an archived app:
 * Quarkus records its archive from there and the JVM refuses an archive whose class path ({@code quarkus-run.jar},
 * relative) it cannot find. The service's {@code .env} is passed with {@code kvconfig.service.env-file}. An archived
 * row starts with {@code -Xshare:on} (17) or {@code -XX:AOTMode=on} (25): the JVM exits instead of silently running
 * without the archive, and the classes it loaded from the archive are counted ({@code java.cls.sharedLoadedClasses}
 * from the JVM's perf counters, read without attaching). One more start per row and reference count, not timed,
 * logs class loading to count by library which classes came from the archive.
 */
public final class ServiceJvmBench {

    /**
     * A way to start the service. app: "fast" = the Java 17 build's quarkus-app (fast-jar, with Quarkus's app-cds.jsa),
     * "aot" = the Java 25 build with quarkus.package.jar.aot.enabled (aot-jar, with Quarkus's app.aot).
     * flags: @TRAINED = the archive this harness records with one training start (training = its recording flags).
     */
    record Variant(String id, int jdk, String app, List<String> flags, List<String> training, String what) {
    }

    static final Map<String, Variant> VARIANTS = new LinkedHashMap<>();

    static {
        add(new Variant("j17", 17, "fast", List.of(), null, "Java 17, fast-jar, default JVM options"));
        add(new Variant("appcds17", 17, "fast", List.of("-Xshare:on", "-XX:SharedArchiveFile=app-cds.jsa"), null,
                "Java 17, Quarkus's build-time AppCDS archive (`quarkus.package.jar.appcds.enabled=true`)"));
        add(new Variant("appcds17-trained", 17, "fast", List.of("-Xshare:on", "-XX:SharedArchiveFile=@TRAINED"),
                List.of("-XX:ArchiveClassesAtExit=@TRAINED"),
                "Java 17, a dynamic AppCDS archive recorded by one start of the service with 1 reference"));
        add(new Variant("j25", 25, "fast", List.of(), null, "Java 25, the same fast-jar, default JVM options"));
        add(new Variant("j25-aotjar", 25, "aot", List.of(), null, "Java 25, the aot-jar build, no cache"));
        add(new Variant("aot25", 25, "aot", List.of("-XX:AOTMode=on", "-XX:AOTCache=app.aot"), null,
                "Java 25, Quarkus's AOT cache (`quarkus.package.jar.aot.enabled=true`, `aot.phase=BUILD`)"));
        // recorded in two steps (JDK 24's way): the one-step -XX:AOTCacheOutput wrote its configuration at the training
        // start's exit (SIGTERM) but no cache; the create step (AOT_CREATE) then builds the cache from that configuration
        add(new Variant("aot25-trained", 25, "aot", List.of("-XX:AOTMode=on", "-XX:AOTCache=@TRAINED"),
                List.of("-XX:AOTMode=record", "-XX:AOTConfiguration=@TRAINED.conf"),
                "Java 25, an AOT cache recorded by one start of the service with 1 reference"));
    }

    static void add(Variant v) {
        VARIANTS.put(v.id(), v);
    }

    record Run(Variant v, int refs, int round, boolean warmup, double readyMs, double cpuMs, long rssKb, long classes,
               long shared, Map<String, Long> vault, String error) {
        boolean ok() {
            return error == null;
        }
    }

    /** Classes loaded by ready in the census start: per library, how many and how many from the archive. */
    record Census(Map<String, long[]> byLibrary, long total, long fromArchive) {
    }

    static final Pattern CLASS_LOAD = Pattern.compile("\\[class,load\\s*\\]\\s+(\\S+) source: (.*)$");

    final Map<String, String> vaultEnv;
    final Path work;
    final Map<Integer, Path> javaHome = new LinkedHashMap<>();
    final Map<String, Path> appDir = new LinkedHashMap<>();
    final HttpClient http = HttpClient.newHttpClient();
    int starts;

    ServiceJvmBench(Map<String, String> opts) throws IOException {
        this.vaultEnv = StartupBench.readEnvFile(Path.of(Args.require(opts, "vault-env")));
        this.work = Path.of(Args.require(opts, "work")).toAbsolutePath();
        javaHome.put(17, Path.of(opts.getOrDefault("java17", System.getProperty("java.home"))));
        javaHome.put(25, Path.of(opts.getOrDefault("java25", "/usr/lib/jvm/temurin-25-jdk-amd64")));
        appDir.put("fast", Path.of(Args.require(opts, "app17")).toAbsolutePath());
        appDir.put("aot", Path.of(opts.getOrDefault("app25", "none")).toAbsolutePath());
    }

    Path trained(Variant v) {
        return work.resolve(v.id() + (v.jdk() == 25 ? ".aot" : ".jsa"));
    }

    /** Why a variant cannot run here, or null. */
    String missing(Variant v) {
        if (!Files.isExecutable(javaHome.get(v.jdk()).resolve("bin/java"))) {
            return "no Java " + v.jdk() + " at " + javaHome.get(v.jdk());
        }
        Path dir = appDir.get(v.app());
        if (!Files.exists(dir.resolve("quarkus-run.jar"))) {
            return "no " + dir.resolve("quarkus-run.jar");
        }
        for (String f : v.flags()) {
            Matcher m = Pattern.compile("^-XX:(?:SharedArchiveFile|AOTCache)=(?!@)(.*)$").matcher(f);
            if (m.find() && !Files.exists(dir.resolve(m.group(1)))) {
                return "no " + dir.resolve(m.group(1)) + " (build with the option in the row's description)";
            }
        }
        return null;
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = Args.parse(args);
        ServiceJvmBench b = new ServiceJvmBench(opts);
        int runs = Integer.parseInt(opts.getOrDefault("runs", "3"));
        int warmup = Integer.parseInt(opts.getOrDefault("warmup", "1"));
        List<Integer> refsList = StartupBench.ints(opts.getOrDefault("refs", "0,1"));
        List<Variant> variants = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        for (String id : opts.getOrDefault("variants", String.join(",", VARIANTS.keySet())).split(",")) {
            Variant v = VARIANTS.get(id.trim());
            if (v == null) {
                throw new IllegalArgumentException("unknown variant " + id + "; known: " + VARIANTS.keySet());
            }
            String why = b.missing(v);
            if (why != null) {
                notes.add("`" + v.id() + "` left out: " + why);
                System.err.println(v.id() + " left out: " + why);
            } else {
                variants.add(v);
            }
        }
        Files.createDirectories(b.work);
        String uptimeBefore = Breakdown.uptime();
        List<Run> all = new ArrayList<>();
        // training starts first (not measured): each records its archive at exit
        for (Variant v : new ArrayList<>(variants)) {
            if (v.training() != null && !b.train(v, notes)) {
                variants.remove(v);
            }
        }
        for (int round = 1 - warmup; round <= runs; round++) {
            for (Variant v : variants) {
                for (int refs : refsList) {
                    Run r = b.measure(v, refs, round, round <= 0, false).run();
                    all.add(r);
                    System.out.printf(Locale.ROOT, "%-4s %-17s %d ref(s) round %d: ready %6.0f ms, CPU %6.0f ms, RSS %4d MB, classes %d (from archive %d)%s%n",
                            r.warmup() ? "warm" : "run", v.id(), refs, round, r.readyMs(), r.cpuMs(), r.rssKb() / 1024, r.classes(),
                            r.shared(), r.ok() ? "" : " FAILED: " + r.error());
                }
            }
        }
        // one census start per row, after the timed ones: class loading logged, counted by library
        Map<String, Census> census = new LinkedHashMap<>();
        for (Variant v : variants) {
            for (int refs : refsList) {
                Measured m = b.measure(v, refs, 99, true, true);
                if (m.census() != null) {
                    census.put(v.id() + "/" + refs, m.census());
                }
            }
        }
        String uptimeAfter = Breakdown.uptime();
        List<Run> measured = all.stream().filter(r -> !r.warmup()).toList();
        String md = report(variants, refsList, measured, census, notes, runs, warmup, uptimeBefore, uptimeAfter, b);
        Path outMd = Path.of(opts.getOrDefault("out-md", b.work.resolve("service-jvm.md").toString()));
        Path outCsv = Path.of(opts.getOrDefault("out-csv", b.work.resolve("service-jvm.csv").toString()));
        Files.createDirectories(outMd.toAbsolutePath().getParent());
        Files.writeString(outMd, md);
        writeCsv(outCsv, all);
        System.out.println();
        System.out.println(md);
        System.out.println("wrote " + outMd + " and " + outCsv);
        long failed = all.stream().filter(r -> !r.ok()).count();
        if (failed > 0 || variants.isEmpty()) {
            System.err.println(failed + " start(s) failed: see the logs under " + b.work);
            System.exit(1);
        }
    }

    /** The JDK 25 create step after a record start: builds the cache from the recorded configuration. */
    static final List<String> AOT_CREATE = List.of("-XX:AOTMode=create", "-XX:AOTConfiguration=@TRAINED.conf", "-XX:AOTCache=@TRAINED");

    /**
     * One start with the variant's recording flags and 1 reference; SIGTERM at ready, the JVM writes the archive (or,
     * for the AOT cache, its configuration, then the create step builds the cache) as it exits.
     */
    boolean train(Variant v, List<String> notes) throws Exception {
        Files.deleteIfExists(trained(v));
        Measured m = measure(v, 1, 0, true, false, true);
        if (m.run().ok() && v.training().stream().anyMatch(f -> f.startsWith("-XX:AOTMode=record"))) {
            List<String> cmd = new ArrayList<>();
            cmd.add(javaHome.get(v.jdk()).resolve("bin/java").toString());
            AOT_CREATE.forEach(f -> cmd.add(f.replace("@TRAINED", trained(v).toString())));
            cmd.add("-jar");
            cmd.add("quarkus-run.jar");
            Path log = work.resolve(v.id() + "-create.log");
            Process p = new ProcessBuilder(cmd).directory(appDir.get(v.app()).toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            if (!p.waitFor(300, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            // what the JDK left out of the cache, and why (signed JARs, unlinked classes ...): counted for the report
            Map<String, Integer> skipped = new TreeMap<>();
            for (String line : Files.readAllLines(log)) {
                Matcher sm = Pattern.compile("Skipping (\\S+): (.*)$").matcher(line);
                if (sm.find()) {
                    skipped.merge(Breakdown.library(sm.group(1).replace('/', '.')) + ": " + sm.group(2).trim(), 1, Integer::sum);
                }
            }
            if (!skipped.isEmpty()) {
                notes.add("`" + v.id() + "`: classes the JDK's create step left out of the cache, by library and reason: "
                        + String.join("; ", skipped.entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).toList()));
            }
        }
        boolean ok = m.run().ok() && Files.exists(trained(v));
        System.out.printf(Locale.ROOT, "training start for %s: ready %.0f ms, archive %s%n", v.id(), m.run().readyMs(),
                Files.exists(trained(v)) ? Files.size(trained(v)) / (1024 * 1024) + " MB" : "NOT written");
        if (!ok) {
            notes.add("`" + v.id() + "` left out: its training start " + (m.run().ok() ? "wrote no archive" : "failed: " + m.run().error()));
        }
        return ok;
    }

    record Measured(Run run, Census census) {
    }

    Measured measure(Variant v, int refs, int round, boolean warmup, boolean census) throws Exception {
        return measure(v, refs, round, warmup, census, false);
    }

    /** One start; training = with the variant's recording flags in place of its own. */
    Measured measure(Variant v, int refs, int round, boolean warmup, boolean census, boolean training) throws Exception {
        Path caseDir = work.resolve(v.id() + "-" + refs);
        Breakdown.writeServiceEnv(refs, caseDir);
        Path dir = appDir.get(v.app());
        int port = 18200 + (starts++ % 40);
        Path classLog = caseDir.resolve("classload.log");
        Files.deleteIfExists(classLog);
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.get(v.jdk()).resolve("bin/java").toString());
        for (String f : training ? v.training() : v.flags()) {
            cmd.add(f.replace("@TRAINED", trained(v).toString()));
        }
        if (census) {
            cmd.add("-Xlog:class+load=info:file=" + classLog);
        }
        cmd.add("-Dkvconfig.service.env-file=" + caseDir.resolve(".env"));
        cmd.addAll(Breakdown.devVaultFlags(vaultEnv, port));
        cmd.add("-jar");
        cmd.add("quarkus-run.jar");

        vaultCall("/reset");
        Path log = caseDir.resolve((training ? "training" : census ? "census" : "round-" + round) + ".log");
        List<String> lines = Collections.synchronizedList(new ArrayList<>());
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        Thread reader = new Thread(() -> StartupBench.drain(p.getInputStream(), lines, log), "log-" + v.id());
        reader.setDaemon(true);
        reader.start();
        String error = null;
        double readyMs = Double.NaN;
        double cpuMs = Double.NaN;
        long rssKb = -1;
        long classes = -1;
        long shared = -1;
        Map<String, Long> vault = Map.of();
        Census cen = null;
        try {
            while (true) {
                if (Breakdown.tryGet(port, "/health").isPresent()) {
                    readyMs = (System.nanoTime() - t0) / 1e6;
                    break;
                }
                if (!p.isAlive()) {
                    error = "exited with " + p.exitValue() + " before ready";
                    break;
                }
                if (System.nanoTime() - t0 > TimeUnit.SECONDS.toNanos(180)) {
                    error = "not ready after 180 s";
                    break;
                }
                Thread.sleep(5);
            }
            if (error == null) {
                // /proc first, then the perf counters (jcmd reads the JVM's perf data file: nothing runs in the app)
                cpuMs = StartupBench.cpuMs(p.pid());
                rssKb = StartupBench.rssKb(p.pid());
                if (census) {
                    cen = census(classLog);
                }
                Map<String, String> perf = perf(jcmd(v.jdk(), p.pid(), "PerfCounter.print"));
                // loadedClasses counts the classes parsed from class files; the archived ones are counted apart
                shared = Long.parseLong(perf.getOrDefault("java.cls.sharedLoadedClasses", "-1"));
                classes = Long.parseLong(perf.getOrDefault("java.cls.loadedClasses", "-1")) + Math.max(0, shared);
                vault = StartupBench.parseCounts(vaultCall("/stats"));
                long gets = vault.getOrDefault("GetSecret", -1L);
                if (gets != refs) {
                    error = "the dev vault saw " + gets + " GetSecret for " + refs + " reference(s)";
                }
            }
        } finally {
            if (p.isAlive()) {
                p.destroy(); // SIGTERM: a training start writes its archive now
                if (!p.waitFor(training ? 300 : 30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
                }
            }
            reader.join(5000);
        }
        if (error != null) {
            System.err.println("---- " + v.id() + " " + refs + " ref(s) round " + round + ": " + error + "; last log lines:");
            synchronized (lines) {
                lines.subList(Math.max(0, lines.size() - 30), lines.size()).forEach(System.err::println);
            }
        }
        Thread.sleep(300); // let the machine settle between starts
        return new Measured(new Run(v, refs, round, warmup, readyMs, cpuMs, rssKb, classes, shared, vault, error), cen);
    }

    /** The class-load log up to now (the app just became ready): per library, loaded and from the archive. */
    static Census census(Path classLog) throws IOException {
        Map<String, long[]> by = new TreeMap<>();
        long total = 0;
        long archived = 0;
        if (!Files.exists(classLog)) {
            return null;
        }
        for (String line : Files.readAllLines(classLog)) {
            Matcher m = CLASS_LOAD.matcher(line);
            if (!m.find()) {
                continue;
            }
            boolean fromArchive = m.group(2).startsWith("shared objects file") || m.group(2).contains("AOT");
            long[] c = by.computeIfAbsent(Breakdown.library(m.group(1)), k -> new long[2]);
            c[0]++;
            total++;
            if (fromArchive) {
                c[1]++;
                archived++;
            }
        }
        return new Census(by, total, archived);
    }

    String jcmd(int jdk, long pid, String... command) throws IOException, InterruptedException {
        return Breakdown.jcmd(javaHome.get(jdk), pid, command);
    }

    static Map<String, String> perf(String text) {
        Map<String, String> v = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                v.put(line.substring(0, eq).trim(), line.substring(eq + 1).trim().replace("\"", ""));
            }
        }
        return v;
    }

    String vaultCall(String path) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(URI.create(vaultEnv.get("STATS_URL") + path)).build();
        return http.send(req, HttpResponse.BodyHandlers.ofString()).body();
    }

    // ---------------------------------------------------------------- report

    static String report(List<Variant> variants, List<Integer> refsList, List<Run> runs, Map<String, Census> census,
                         List<String> notes, int rounds, int warmup, String before, String after, ServiceJvmBench b) {
        StringBuilder md = new StringBuilder();
        md.append("#### The packaged service: plain, AppCDS (Java 17) and the AOT cache (Java 25), same run\n\n");
        md.append("- ").append(rounds).append(" measured starts per row after ").append(warmup)
                .append(" warm-up round, rounds interleaved (every row of round 1, then round 2 ...). Figures: median (min–max).\n");
        md.append("- every start: `cd <app dir> && java <row's options> -Dkvconfig.service.env-file=<.env> ... -jar quarkus-run.jar`; ")
                .append("1 reference = `ADMIN_SECRET=@kv:bench-admin-secret` in that `.env`, 0 = a plain value; ready = first 200 of `GET /health` ")
                .append("(polled every 5 ms), CPU and RSS from `/proc/PID` at ready, classes from the JVM's perf counters at ready ")
                .append("(`java.cls.loadedClasses` + `java.cls.sharedLoadedClasses`; the second = from the JDK's own CDS archive or the row's archive); ")
                .append("the dev vault's journal checks each start made exactly as many GetSecret requests as it has references.\n");
        md.append("- archived rows start with `-Xshare:on` (17) or `-XX:AOTMode=on` (25): a JVM that cannot use the archive exits, so a row with figures used it.\n");
        for (Variant v : variants) {
            md.append("- `").append(v.id()).append("`: ").append(v.what()).append("; java ").append(b.javaHome.get(v.jdk()))
                    .append(", app ").append(relative(b.appDir.get(v.app()))).append(v.flags().isEmpty() ? "" : ", options `" + String.join(" ", v.flags()) + "`")
                    .append("\n");
        }
        notes.forEach(n -> md.append("- ").append(n).append("\n"));
        md.append("- machine load: before `").append(before).append("`; after `").append(after).append("`\n\n");

        md.append("| row | refs | ready ms | CPU ms at ready | RSS MB | classes loaded | of which from an archive | failed |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---:|\n");
        for (Variant v : variants) {
            for (int refs : refsList) {
                List<Run> rs = of(runs, v, refs);
                md.append("| ").append(v.id()).append(" | ").append(refs)
                        .append(" | ").append(fmt(rs, Run::readyMs))
                        .append(" | ").append(fmt(rs, Run::cpuMs))
                        .append(" | ").append(fmt(rs, r -> r.rssKb() / 1024.0))
                        .append(" | ").append(fmt(rs, r -> r.classes()))
                        .append(" | ").append(fmt(rs, r -> r.shared()))
                        .append(" | ").append(rs.stream().filter(r -> !r.ok()).count()).append(" |\n");
            }
        }
        if (refsList.contains(0) && refsList.contains(1)) {
            md.append("\n**The first secret, per row** (medians; targets of issue 14: ready(1) − ready(0) ≤ 400 ms, extra CPU ≤ 600 ms, ")
                    .append("RSS(1) − RSS(0) ≤ 30 MB). *vs plain* compares the row's ready(1) with the plain row of the same JDK.\n\n");
            md.append("| row | ready(1) − ready(0) ms | extra CPU ms | RSS(1) − RSS(0) MB | extra classes (from an archive) | ready(1) vs plain, same JDK | CPU(1) vs plain |\n");
            md.append("|---|---:|---:|---:|---:|---:|---:|\n");
            for (Variant v : variants) {
                double r0 = med(runs, v, 0, Run::readyMs);
                double r1 = med(runs, v, 1, Run::readyMs);
                Variant plain = VARIANTS.get(v.jdk() == 17 ? "j17" : "j25");
                String vsPlain = "–";
                String cpuVsPlain = "–";
                if (variants.contains(plain) && plain != v) {
                    vsPlain = String.format(Locale.ROOT, "%+.0f ms", r1 - med(runs, plain, 1, Run::readyMs));
                    cpuVsPlain = String.format(Locale.ROOT, "%+.0f ms", med(runs, v, 1, Run::cpuMs) - med(runs, plain, 1, Run::cpuMs));
                }
                md.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %+.0f (%+.0f) | %s | %s |%n", v.id(), r1 - r0,
                        med(runs, v, 1, Run::cpuMs) - med(runs, v, 0, Run::cpuMs),
                        med(runs, v, 1, r -> r.rssKb() / 1024.0) - med(runs, v, 0, r -> r.rssKb() / 1024.0),
                        med(runs, v, 1, r -> r.classes()) - med(runs, v, 0, r -> r.classes()),
                        med(runs, v, 1, r -> r.shared()) - med(runs, v, 0, r -> r.shared()), vsPlain, cpuVsPlain));
            }
        }
        if (!census.isEmpty()) {
            md.append("\n**Which classes came from the archive** (one more start per row with `-Xlog:class+load`, not timed; ")
                    .append("classes loaded by ready, per library: loaded / from the JDK's or the row's archive)\n\n");
            List<String> keys = new ArrayList<>(census.keySet());
            md.append("| library | ").append(String.join(" | ", keys.stream().map(k -> k.replace("/", ", ") + " ref").toList())).append(" |\n");
            md.append("|---|").append("---:|".repeat(keys.size())).append("\n");
            List<String> libs = new ArrayList<>();
            Breakdown.LIBRARIES.forEach(e -> libs.add(e.getKey()));
            libs.add(Breakdown.OTHER);
            for (String lib : libs) {
                md.append("| ").append(lib);
                for (String k : keys) {
                    long[] c = census.get(k).byLibrary().getOrDefault(lib, new long[2]);
                    md.append(" | ").append(c[0]).append(" / ").append(c[1]);
                }
                md.append(" |\n");
            }
            md.append("| **total** ");
            for (String k : keys) {
                md.append(" | **").append(census.get(k).total()).append(" / ").append(census.get(k).fromArchive()).append("**");
            }
            md.append(" |\n");
        }
        return md.toString();
    }

    /** A path as the report shows it: relative to the working directory (run.sh runs from the checkout's root). */
    static Path relative(Path p) {
        Path cwd = Path.of("").toAbsolutePath();
        return p.startsWith(cwd) ? cwd.relativize(p) : p;
    }

    static List<Run> of(List<Run> runs, Variant v, int refs) {
        return runs.stream().filter(r -> r.v().equals(v) && r.refs() == refs).toList();
    }

    static String fmt(List<Run> rs, ToDoubleFunction<Run> f) {
        double[] v = rs.stream().filter(Run::ok).mapToDouble(f).sorted().toArray();
        if (v.length == 0) {
            return "–";
        }
        return String.format(Locale.ROOT, "%.0f (%.0f–%.0f)", median(v), v[0], v[v.length - 1]);
    }

    static double med(List<Run> runs, Variant v, int refs, ToDoubleFunction<Run> f) {
        double[] x = of(runs, v, refs).stream().filter(Run::ok).mapToDouble(f).sorted().toArray();
        return x.length == 0 ? Double.NaN : median(x);
    }

    static double median(double[] v) {
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    static void writeCsv(Path file, List<Run> runs) throws IOException {
        List<String> lines = new ArrayList<>();
        lines.add("variant,jdk,refs,round,warmup,ready_ms,cpu_ms,rss_kb,classes,classes_from_archive,get_secret,ok,error");
        for (Run r : runs) {
            lines.add(String.join(",", r.v().id(), "" + r.v().jdk(), "" + r.refs(), "" + r.round(), "" + r.warmup(),
                    String.format(Locale.ROOT, "%.1f", r.readyMs()), String.format(Locale.ROOT, "%.0f", r.cpuMs()), "" + r.rssKb(),
                    "" + r.classes(), "" + r.shared(), "" + r.vault().getOrDefault("GetSecret", -1L), "" + r.ok(),
                    r.error() == null ? "" : '"' + r.error().replace('"', '\'') + '"'));
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, lines);
    }
}
