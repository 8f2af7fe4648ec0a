package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import io.restassured.RestAssured;
import io.restassured.filter.Filter;

/**
 * Captures every log record of the JVM (app, extension, SDK, dev vault) and every rest-assured response body, and
 * checks after each test class that no known test secret appears in any of them. Tests register the secret
 * values they use with {@link #secret(String)}.
 */
public final class LeakCheck implements AfterAllCallback {

    static final Set<String> SECRETS = ConcurrentHashMap.newKeySet();
    static final List<String> LOG_LINES = new CopyOnWriteArrayList<>();
    static final List<String> BODIES = new CopyOnWriteArrayList<>();
    private static volatile boolean installed;
    private static volatile Handler handler;

    /** Registers a test secret and returns it. */
    public static String secret(String value) {
        SECRETS.add(value);
        return value;
    }

    /** Also records a body read outside rest-assured (java.net.http in the concurrency test). */
    public static void body(String body) {
        BODIES.add(body);
    }

    public static synchronized void install() {
        if (installed) {
            return;
        }
        installed = true;
        handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                StringBuilder line = new StringBuilder(record.getLoggerName() == null ? "" : record.getLoggerName())
                        .append(' ');
                line.append(record instanceof ExtLogRecord ext ? ext.getFormattedMessage() : String.valueOf(record.getMessage()));
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

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        attach();
        Filter capture = (request, response, ctx) -> {
            var r = ctx.next(request, response);
            BODIES.add(r.asString());
            r.headers().forEach(h -> BODIES.add(h.getName() + ": " + h.getValue()));
            return r;
        };
        RestAssured.filters(capture);
    }

    /**
     * (Re)attaches the capturing handler to the root logger: Quarkus replaces the root handlers when the app starts,
     * so tests call this again once the app runs (TestVault.reset()).
     */
    public static synchronized void attach() {
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        for (Handler h : root.getHandlers()) {
            if (h == handler) {
                return;
            }
        }
        root.addHandler(handler);
    }

    static void assertNoLeaks() {
        assertThat(LOG_LINES).as("log lines captured").isNotEmpty();
        // Vert.x's blocked-thread checker: nothing may block an event-loop thread
        assertThat(LOG_LINES).noneMatch(line -> line.contains("has been blocked for"));
        for (String secret : SECRETS) {
            for (String line : LOG_LINES) {
                assertThat(line).as("a log line contains a test secret").doesNotContain(secret);
            }
            for (String body : BODIES) {
                assertThat(body).as("a response contains a test secret").doesNotContain(secret);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        assertNoLeaks();
    }
}
