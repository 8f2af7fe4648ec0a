package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.restassured.RestAssured;
import io.restassured.filter.Filter;

/**
 * The leak net: captures every log record (every level: the test profile logs {@code io.kvconfig} at TRACE), the
 * console (stdout and stderr) and every rest-assured response (body and headers), from before the app starts, and
 * checks after each test class that no registered test secret appears in any of them in any encoding it can take:
 * raw, JSON-escaped (several escapers), URL-encoded, base64 (at any byte offset), bash-quoted.
 * <p>
 * Capture: a root handler (outside the app), the console tee (installed before the app starts, so Quarkus's console
 * handler writes through it) and {@link LeakCaptureFilter} on the app's console handler, which sees every record the
 * app logs, at every level, whatever Quarkus does with the root handlers at start. After each class it also checks
 * that the capture saw this class's own marker lines (TRACE in the log capture, INFO on the console), so an empty or
 * detached capture fails instead of passing.
 */
public final class LeakCheck implements BeforeAllCallback, AfterAllCallback {

    static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
    static final List<String> LOG_LINES = java.util.Collections.synchronizedList(new ArrayList<>());
    static final java.util.Queue<String> BODIES = new ConcurrentLinkedQueue<>();
    private static final Tee CONSOLE = new Tee();
    private static volatile boolean installed;
    private static volatile Handler handler;
    private static final String MARKER = "leakcheck-marker";
    private static final Map<String, String> MARKERS = new ConcurrentHashMap<>();
    private static final Map<String, Integer> FIRST_LINE = new ConcurrentHashMap<>();

    /** Registers a test secret and returns it. */
    public static String secret(String value) {
        SECRETS.add(value);
        return value;
    }

    /** Also records a body read outside rest-assured (java.net.http in the concurrency test). */
    public static void body(String body) {
        BODIES.add(body);
    }

    /** One log record as a line: level, logger, formatted message, parameters, every cause. */
    static void capture(LogRecord record) {
        StringBuilder line = new StringBuilder(String.valueOf(record.getLevel())).append(' ')
                .append(record.getLoggerName() == null ? "" : record.getLoggerName()).append(' ');
        String message;
        try {
            message = record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : String.valueOf(record.getMessage());
        } catch (RuntimeException e) {
            message = String.valueOf(record.getMessage());
        }
        line.append(message);
        if (record.getParameters() != null) {
            for (Object p : record.getParameters()) {
                line.append(" | ").append(p);
            }
        }
        for (Throwable t = record.getThrown(); t != null; t = t.getCause()) {
            line.append(" | ").append(t);
            if (t.getCause() == t) {
                break;
            }
        }
        LOG_LINES.add(line.toString());
    }

    /** Installs the capture: call before the app starts (the test resources do). Idempotent. */
    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                capture(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        attach();
        CONSOLE.install();
        Filter capture = (request, response, ctx) -> {
            var r = ctx.next(request, response);
            BODIES.add(r.asString());
            r.headers().forEach(h -> BODIES.add(h.getName() + ": " + h.getValue()));
            return r;
        };
        RestAssured.filters(capture);
    }

    /**
     * (Re)attaches the root handler, for records logged outside the app (the app's own records reach
     * {@link LeakCaptureFilter} whatever happens to the root handlers).
     */
    public static synchronized void attach() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            if (h == handler) {
                return;
            }
        }
        if (handler != null) {
            root.addHandler(handler);
        }
    }

    /** The console as captured so far (stdout and stderr, interleaved). */
    static String console() {
        return CONSOLE.text();
    }

    // ---- encodings -----------------------------------------------------------------------------------

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper JSON_ASCII = JsonMapper.builder().enable(JsonWriteFeature.ESCAPE_NON_ASCII).build();

    /**
     * Every form the secret can take in a log line, a body or a header: name of the encoding to the text to look
     * for. Base64 is searched at each of the three byte offsets it can start at inside a longer encoded blob.
     */
    static Map<String, String> encodings(String secret) {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("raw", secret);
        out.put("JSON-escaped", jsonInner(JSON, secret));
        out.put("JSON-escaped (ASCII)", jsonInner(JSON_ASCII, secret));
        out.put("JSON-escaped (slash)", jsonInner(JSON, secret).replace("/", "\\/"));
        out.put("JSON-escaped (HTML-safe)", htmlSafe(jsonInner(JSON, secret)));
        out.put("URL-encoded", URLEncoder.encode(secret, StandardCharsets.UTF_8));
        out.put("URL-encoded (%20)", URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
        out.put("bash-quoted", "'" + secret.replace("'", "'\\''") + "'");
        out.put(".env value", DotEnvFormat.renderValue(secret));
        out.put("Java-escaped", secret.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n")
                .replace("\r", "\\r").replace("\t", "\\t"));
        byte[] bytes = secret.getBytes(StandardCharsets.UTF_8);
        for (int offset = 0; offset < 3; offset++) {
            for (boolean url : new boolean[] { false, true }) {
                String core = base64Core(bytes, offset, url);
                if (core.length() >= 8) {
                    out.put("base64" + (url ? "url" : "") + " (offset " + offset + ")", core);
                }
            }
        }
        return out;
    }

    private static String jsonInner(ObjectMapper mapper, String s) {
        try {
            String quoted = mapper.writeValueAsString(s);
            return quoted.substring(1, quoted.length() - 1);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String htmlSafe(String json) {
        StringBuilder sb = new StringBuilder();
        for (char c : json.toCharArray()) {
            if (c == '<' || c == '>' || c == '&' || c == '\'' || c == '=') {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    /**
     * The base64 characters that depend on the secret's bytes only when it starts {@code offset} bytes into a 3-byte
     * group: the group holding foreign bytes before it and the last, partial group are left out.
     */
    private static String base64Core(byte[] secret, int offset, boolean url) {
        byte[] padded = new byte[offset + secret.length];
        System.arraycopy(secret, 0, padded, offset, secret.length);
        String all = (url ? Base64.getUrlEncoder() : Base64.getEncoder()).withoutPadding().encodeToString(padded);
        int from = offset == 0 ? 0 : 4;
        int whole = padded.length / 3 * 4; // characters of complete groups
        return whole > from ? all.substring(from, whole) : "";
    }

    /** The first encoding of a registered secret found in {@code text}, as "encoding of secret #n". */
    static Optional<String> findLeak(String text) {
        return findLeak(text, SECRETS);
    }

    static Optional<String> findLeak(String text, java.util.Collection<String> secrets) {
        if (text == null) {
            return Optional.empty();
        }
        for (String secret : secrets) {
            for (Map.Entry<String, String> e : encodings(secret).entrySet()) {
                int at = text.indexOf(e.getValue());
                if (at >= 0) {
                    // where it is, with every test secret masked: the report never shows one
                    String around = text.substring(Math.max(0, at - 80), Math.min(text.length(), at + e.getValue().length() + 80));
                    return Optional.of(e.getKey() + " form of a test secret, in: " + mask(around, secrets));
                }
            }
        }
        return Optional.empty();
    }

    private static String mask(String text, java.util.Collection<String> secrets) {
        String out = text;
        for (String secret : secrets) {
            for (String form : encodings(secret).values()) {
                out = out.replace(form, "<secret>");
            }
        }
        // a cut-off encoding at either end: drop the ends
        return out.length() > 40 ? "..." + out.substring(20, out.length() - 20) + "..." : "...";
    }

    /** A copy of the log lines captured so far. */
    static List<String> logLines() {
        synchronized (LOG_LINES) {
            return new ArrayList<>(LOG_LINES);
        }
    }

    static void assertNoLeaks() {
        List<String> lines = logLines();
        assertThat(lines).as("log lines captured").isNotEmpty();
        for (String line : lines) {
            assertThat(findLeak(line)).as("a log line contains a test secret").isEmpty();
        }
        assertThat(findLeak(console())).as("the console contains a test secret").isEmpty();
        for (String body : BODIES) {
            assertThat(findLeak(body)).as("a response contains a test secret").isEmpty();
        }
    }

    // ---- JUnit ---------------------------------------------------------------------------------------

    @Override
    public void beforeAll(ExtensionContext context) {
        install();
        attach();
        String id = context.getRequiredTestClass().getSimpleName() + "-" + UUID.randomUUID();
        MARKERS.put(context.getRequiredTestClass().getName(), id);
        FIRST_LINE.put(context.getRequiredTestClass().getName(), LOG_LINES.size());
        org.jboss.logging.Logger log = org.jboss.logging.Logger.getLogger("io.kvconfig.test.LeakCheck");
        log.tracef("%s %s TRACE", MARKER, id);
        log.fatalf("%s %s FATAL", MARKER, id);
        System.out.println(MARKER + " " + id + " stdout");
        System.err.println(MARKER + " " + id + " stderr");
    }

    @Override
    public void afterAll(ExtensionContext context) {
        String id = MARKERS.get(context.getRequiredTestClass().getName());
        // the capture saw this class's own lines: the lowest and highest levels, and both console streams
        for (String level : List.of("TRACE", "FATAL")) {
            assertThat(logLines()).as("the log capture saw this class's %s line", level)
                    .anyMatch(line -> line.contains(MARKER + " " + id + " " + level));
        }
        assertThat(console()).as("the console capture saw this class's lines")
                .contains(MARKER + " " + id + " stdout").contains(MARKER + " " + id + " stderr");
        // and the app's start: the capture was in place before it
        List<String> lines = logLines();
        assertThat(lines).as("the log capture saw the app start").anyMatch(line -> line.contains("Settings file:"));
        // Vert.x's blocked-thread checker: nothing this class did may block an event-loop thread (the app's start on
        // a loaded machine is not this class's doing)
        assertThat(lines.subList(FIRST_LINE.get(context.getRequiredTestClass().getName()), lines.size()))
                .noneMatch(line -> line.contains("has been blocked for"));
        assertNoLeaks();
    }

    /** stdout and stderr, written through to the real ones and kept. */
    private static final class Tee {
        private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
        private boolean installed;

        synchronized void install() {
            if (installed) {
                return;
            }
            installed = true;
            System.setOut(new PrintStream(tee(System.out), true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(tee(System.err), true, StandardCharsets.UTF_8));
        }

        private OutputStream tee(PrintStream original) {
            return new OutputStream() {
                @Override
                public void write(int b) {
                    original.write(b);
                    synchronized (kept) {
                        kept.write(b);
                    }
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    original.write(b, off, len);
                    synchronized (kept) {
                        kept.write(b, off, len);
                    }
                }

                @Override
                public void flush() {
                    original.flush();
                }
            };
        }

        String text() {
            synchronized (kept) {
                return kept.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
