package io.kvconfig.runtime.resolve;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * Captures every log record (JBoss Logging and the Azure SDK both end up in java.util.logging / the JBoss log
 * manager) at all levels for our code and the SDK, plus whatever is printed to System.out/err, so tests can
 * search it for secret values.
 */
public final class LogCapture implements AutoCloseable {

    private final List<String> lines = new ArrayList<>();
    private final Handler handler;
    private final PrintStream oldOut = System.out;
    private final PrintStream oldErr = System.err;
    private final ByteArrayOutputStream printed = new ByteArrayOutputStream();
    private final Level oldOurs;
    private final Level oldAzure;

    public LogCapture() {
        handler = new Handler() {
            @Override
            public void publish(LogRecord r) {
                StringBuilder sb = new StringBuilder().append(r.getLevel()).append(' ').append(r.getLoggerName()).append(' ');
                String msg = r.getMessage();
                Object[] params = r.getParameters();
                if (msg != null && params != null && params.length > 0) {
                    try {
                        msg = msg.contains("%") ? String.format(msg, params) : java.text.MessageFormat.format(msg, params);
                    } catch (RuntimeException e) {
                        msg = msg + " " + java.util.Arrays.toString(params);
                    }
                }
                sb.append(msg);
                for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                    sb.append(" | ").append(t);
                }
                synchronized (lines) {
                    lines.add(sb.toString());
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        handler.setLevel(Level.ALL);
        Logger root = Logger.getLogger("");
        root.addHandler(handler);
        Logger ours = Logger.getLogger("io.kvconfig");
        oldOurs = ours.getLevel();
        ours.setLevel(Level.ALL);
        Logger azure = Logger.getLogger("com.azure");
        oldAzure = azure.getLevel();
        azure.setLevel(Level.ALL);
        PrintStream tee = new PrintStream(new java.io.OutputStream() {
            @Override
            public void write(int b) {
                synchronized (printed) {
                    printed.write(b);
                }
                oldErr.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                synchronized (printed) {
                    printed.write(b, off, len);
                }
                oldErr.write(b, off, len);
            }
        }, true, StandardCharsets.UTF_8);
        System.setOut(tee);
        System.setErr(tee);
    }

    public String text() {
        StringBuilder sb = new StringBuilder();
        synchronized (lines) {
            lines.forEach(l -> sb.append(l).append('\n'));
        }
        synchronized (printed) {
            sb.append(printed.toString(StandardCharsets.UTF_8));
        }
        return sb.toString();
    }

    public int records() {
        synchronized (lines) {
            return lines.size();
        }
    }

    @Override
    public void close() {
        Logger.getLogger("").removeHandler(handler);
        Logger.getLogger("io.kvconfig").setLevel(oldOurs);
        Logger.getLogger("com.azure").setLevel(oldAzure);
        System.setOut(oldOut);
        System.setErr(oldErr);
    }
}
