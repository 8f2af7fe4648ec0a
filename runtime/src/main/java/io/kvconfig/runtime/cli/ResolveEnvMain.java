package io.kvconfig.runtime.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Pattern;

import io.kvconfig.runtime.config.KvConfigConfig;
import io.kvconfig.runtime.config.KvConfigMapping;
import io.kvconfig.runtime.config.ResolverFactory;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.reference.SecretReferenceParser;
import io.kvconfig.runtime.vault.FailureKind;
import io.kvconfig.runtime.resolve.Resolution;
import io.kvconfig.runtime.resolve.ResolutionFailure;
import io.kvconfig.runtime.resolve.SecretResolver;
import io.kvconfig.runtime.resolve.SummaryLine;
import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * The container entrypoint's resolver: resolves every environment variable whose value is a {@code @kv:}
 * reference, with the extension's own {@link SecretResolver}, and hands the values to the shell through the file
 * named by {@code --output} (an existing pipe: {@code /dev/fd/3} or a FIFO; a regular file, a directory or a
 * missing path is refused, nothing is created), never through stdout, stderr, logs or disk.
 * <p>
 * Output: NUL-terminated records, UTF-8: {@code S<NAME>=<value>} (export), {@code U<NAME>} (unset: an optional
 * reference whose secret is missing, or a failed one with {@code --allow-unresolved}), then the success marker
 * {@value #DONE}. Nothing is written unless the run succeeds, so the shell must require the marker.
 * <p>
 * Exit codes: 0 success (marker written), 1 resolution failed (aggregated message on stderr), 2 usage or
 * configuration error. Names that are not shell identifiers cannot be exported by the shell; they are reported
 * and left as they are (the Quarkus extension still resolves them for the application).
 */
public final class ResolveEnvMain {

    public static final String DONE = ".done";
    public static final String ALLOW_UNRESOLVED_ENV = "KVCONFIG_ALLOW_UNRESOLVED";
    static final Pattern SHELL_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final String TAG = "kvconfig: ";
    /** File type bits of st_mode (sys/stat.h). */
    private static final int S_IFMT = 0170000;
    private static final int S_IFIFO = 0010000;
    private static final int S_IFCHR = 0020000;
    private static final int S_IFBLK = 0060000;
    /** JUL holds loggers weakly; keep the ones whose level we set. */
    private static final List<java.util.logging.Logger> CONFIGURED_LOGGERS = new ArrayList<>();

    private ResolveEnvMain() {
    }

    private static final String NETTY_NO_UNSAFE = "io.netty.noUnsafe";

    public static void main(String[] args) {
        PrintStream err = System.err;
        // nothing may reach stdout: a library printing there would end up in the container log next to our records
        System.setOut(err);
        // on Java 24+ Netty's sun.misc.Unsafe probe makes the JDK print four WARNING lines on stderr, next to the
        // one report this tool prints; a few requests gain nothing from Unsafe (must be set before Netty loads)
        if (System.getProperty(NETTY_NO_UNSAFE) == null) {
            System.setProperty(NETTY_NO_UNSAFE, "true");
        }
        configureLogging(err);
        int code = run(args, System.getenv(), System.getProperties(), err);
        System.exit(code);
    }

    /** Everything but the JVM exit, for tests. */
    static int run(String[] args, Map<String, String> env, Properties sys, PrintStream err) {
        String output = null;
        boolean allowUnresolved = "true".equalsIgnoreCase(env.getOrDefault(ALLOW_UNRESOLVED_ENV, "").strip());
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--output" -> {
                    if (i + 1 >= args.length) {
                        return usage(err, "--output needs a path");
                    }
                    output = args[++i];
                }
                case "--allow-unresolved" -> allowUnresolved = true;
                default -> {
                    return usage(err, "unknown argument " + args[i]);
                }
            }
        }
        if (output == null) {
            return usage(err, "--output is required");
        }
        String refused = refuseOutput(output);
        if (refused != null) {
            return usage(err, "--output " + output + " " + refused
                    + "; pass an existing pipe such as /dev/fd/3 or a FIFO (the resolver never creates a file)");
        }

        // candidates: every variable holding a reference, sorted for a stable report
        Map<String, String> candidates = new LinkedHashMap<>();
        new TreeMap<>(env).forEach((name, value) -> {
            if (!SecretReferenceParser.isReference(value)) {
                return;
            }
            if (!SHELL_NAME.matcher(name).matches()) {
                err.println(TAG + "variable '" + name + "' holds a Key Vault reference but is not a shell variable name;"
                        + " left unchanged");
                return;
            }
            candidates.put(name, value);
        });

        List<String> sets = new ArrayList<>();
        List<String> unsets = new ArrayList<>();
        if (candidates.isEmpty()) {
            return write(output, Map.of(), unsets, err) ? 0 : 2;
        }

        long started = System.nanoTime();
        KeyVaultSettings settings;
        FirewallSettings firewall;
        try {
            // the extension's mapping, over system properties then the environment (SmallRye's name rules)
            KvConfigConfig config = KvConfigMapping.fromEnvironment(env, sys);
            settings = KeyVaultSettings.from(config);
            firewall = FirewallSettings.from(config);
        } catch (IllegalArgumentException e) {
            err.println(TAG + "configuration error: " + e.getMessage());
            if (!allowUnresolved) {
                return 2;
            }
            err.println(TAG + "starting anyway (" + ALLOW_UNRESOLVED_ENV + "): unsetting " + String.join(", ", candidates.keySet()));
            unsets.addAll(candidates.keySet());
            return write(output, Map.of(), unsets, err) ? 0 : 2;
        }

        Resolution resolution;
        try (KeyVaultClients clients = new KeyVaultClients(settings)) {
            resolution = ResolverFactory.create(clients, settings, firewall, false).resolveValues(candidates);
        } catch (RuntimeException e) {
            // setup failures (trust store, credential options); never carries a value: nothing is resolved yet
            err.println(TAG + "cannot set up Key Vault access: " + e.getMessage());
            if (!allowUnresolved) {
                return 2;
            }
            unsets.addAll(candidates.keySet());
            err.println(TAG + "starting anyway (" + ALLOW_UNRESOLVED_ENV + "): unsetting " + String.join(", ", unsets));
            return write(output, Map.of(), unsets, err) ? 0 : 2;
        }

        List<ResolutionFailure> failures = new ArrayList<>(resolution.failures());
        resolution.values().forEach((name, value) -> {
            if (value.indexOf('\0') >= 0) {
                failures.add(new ResolutionFailure(name, SecretReferenceParser.parse(candidates.get(name)).name(), null,
                        FailureKind.UNEXPECTED, "the secret value contains a NUL character, which an environment "
                                + "variable cannot hold"));
            } else {
                sets.add(name);
            }
        });
        for (ResolutionFailure s : resolution.skipped()) {
            unsets.add(s.property()); // named in the summary line
        }
        if (!failures.isEmpty()) {
            Resolution.Stats st = resolution.stats();
            String report = new Resolution(Map.of(), failures, List.of(), st).failureReport();
            err.println(TAG + report.replace("Key Vault references", "Key Vault references in environment variables"));
            if (!allowUnresolved) {
                return 1;
            }
            List<String> failed = failures.stream().map(ResolutionFailure::property).distinct().toList();
            err.println(TAG + "starting anyway (" + ALLOW_UNRESOLVED_ENV + "=true / --allow-unresolved) WITHOUT: "
                    + String.join(", ", failed));
            unsets.addAll(failed);
        }
        Map<String, String> values = new LinkedHashMap<>();
        sets.forEach(n -> values.put(n, resolution.values().get(n)));
        if (!write(output, values, unsets, err)) {
            return 2;
        }
        // the one summary line, in the extension's words: references resolved, then optional ones left unset
        List<String> notes = new ArrayList<>();
        String optionalMissing = SummaryLine.optionalMissing(resolution.skipped());
        if (optionalMissing != null) {
            notes.add(optionalMissing);
        }
        err.println(TAG + SummaryLine.of(values.size(), resolution.stats().resolvedSecrets(),
                (System.nanoTime() - started) / 1_000_000, resolution.stats(), notes));
        return 0;
    }

    /**
     * Why {@code output} may not receive values, or null when it may. Values must not touch disk: only something
     * that already exists and is not a file on disk is accepted, links followed: a pipe (a FIFO, {@code /dev/fd/N}
     * of a process substitution) or a character device. A missing path is refused, never created.
     */
    static String refuseOutput(String output) {
        Path path;
        try {
            path = Path.of(output);
        } catch (InvalidPathException e) {
            return "is not a valid path";
        }
        String via = Files.isSymbolicLink(path) ? " (through a symbolic link)" : "";
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return "does not exist" + via;
        } catch (IOException e) {
            return "cannot be checked (" + e.getClass().getSimpleName() + ")" + via;
        }
        if (attributes.isRegularFile()) {
            return "is a regular file" + via;
        }
        if (attributes.isDirectory()) {
            return "is a directory" + via;
        }
        if (!attributes.isOther()) {
            return "is not a pipe or a character device" + via;
        }
        try {
            // isOther() also covers block devices and sockets: tell them apart by the file type bits of st_mode
            int type = (Integer) Files.getAttribute(path, "unix:mode") & S_IFMT;
            if (type != S_IFIFO && type != S_IFCHR) {
                return (type == S_IFBLK ? "is a block device" : "is not a pipe or a character device") + via;
            }
        } catch (UnsupportedOperationException | IllegalArgumentException e) {
            // no unix view on this platform: isOther() is all we know
        } catch (IOException e) {
            return "cannot be checked (" + e.getClass().getSimpleName() + ")" + via;
        }
        return null;
    }

    private static boolean write(String output, Map<String, String> values, List<String> unsets, PrintStream err) {
        // no CREATE: a path that vanished since the check is an error, never a new file
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(Path.of(output), StandardOpenOption.WRITE,
                StandardOpenOption.APPEND))) {
            for (Map.Entry<String, String> e : values.entrySet()) {
                record(out, "S" + e.getKey() + "=" + e.getValue());
            }
            for (String name : unsets) {
                record(out, "U" + name);
            }
            record(out, DONE);
            return true;
        } catch (IOException e) {
            err.println(TAG + "cannot write to " + output + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * One-line log output on stderr. The JBoss log manager (in the app's lib/boot) must be installed before the
     * HTTP stack asks for a logger, or it prints a warning. The resolver logs its own figures at DEBUG
     * only; this class prints the one summary line (the extension's words), so the resolver's logger is kept to
     * warnings here.
     */
    static void configureLogging(PrintStream err) {
        boolean jboss = ResolveEnvMain.class.getClassLoader().getResource("org/jboss/logmanager/LogManager.class") != null;
        if (jboss && System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (java.util.logging.Handler h : root.getHandlers()) {
            root.removeHandler(h);
        }
        java.util.logging.StreamHandler handler = new java.util.logging.StreamHandler(err, new java.util.logging.Formatter() {
            @Override
            public String format(java.util.logging.LogRecord r) {
                String msg = jboss ? JBossRecords.message(r) : null;
                if (msg == null) {
                    msg = formatMessage(r);
                }
                String logger = r.getLoggerName() == null ? "" : r.getLoggerName().substring(r.getLoggerName().lastIndexOf('.') + 1);
                // the exception's own text only, no stack: enough to act on, nothing from deep inside libraries
                return TAG + r.getLevel() + " [" + logger + "] " + msg
                        + (r.getThrown() != null ? " (" + r.getThrown() + ")" : "") + System.lineSeparator();
            }
        }) {
            @Override
            public synchronized void publish(java.util.logging.LogRecord record) {
                super.publish(record);
                flush();
            }
        };
        handler.setLevel(java.util.logging.Level.INFO);
        root.addHandler(handler);
        root.setLevel(java.util.logging.Level.INFO);
        // the SDK's INFO lines (credential chain steps) are noise here; failures reach the report
        for (String quiet : new String[] { "io.kvconfig.runtime.resolve", "com.azure", "com.microsoft.aad.msal4j" }) {
            level(quiet, java.util.logging.Level.WARNING);
        }
        // A failed credential chain is logged three times before it reaches the resolver: by the broker credential
        // (ERROR "azure-identity-broker dependency is not available", the chain's last member, which this image
        // does not ship), by MSAL4J (WARN, the managed identity endpoint's answer) and by azure-core's token cache
        // (ERROR "Failed to acquire a new access token" with the whole chain's text). The same exception then
        // reaches the resolver, whose one report names each credential tried and why it failed: this process
        // prints that report only. Scoped to this command's own JVM (the application's logging is its own).
        for (String duplicate : new String[] { "com.azure.identity", "com.azure.core.implementation.AccessTokenCache",
                "com.microsoft.aad.msal4j" }) {
            level(duplicate, java.util.logging.Level.OFF);
        }
    }

    private static void level(String name, java.util.logging.Level level) {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger(name);
        l.setLevel(level);
        CONFIGURED_LOGGERS.add(l);
    }

    /** Loaded only when the JBoss log manager is on the classpath. */
    private static final class JBossRecords {
        static String message(java.util.logging.LogRecord r) {
            return r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage() : null;
        }
    }

    private static void record(OutputStream out, String rec) throws IOException {
        out.write(rec.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    private static int usage(PrintStream err, String problem) {
        err.println(TAG + problem);
        err.println("usage: ResolveEnvMain --output <existing pipe, e.g. /dev/fd/3, or FIFO> [--allow-unresolved]");
        return 2;
    }
}
