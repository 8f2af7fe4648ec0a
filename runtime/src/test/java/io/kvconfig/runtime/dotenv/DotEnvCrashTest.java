package io.kvconfig.runtime.dotenv;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM rewrites {@code .env} in a loop and is killed with SIGKILL at random moments. After each kill the
 * file parses and is exactly the content before or after the write in progress (the child announces each write).
 */
class DotEnvCrashTest {

    private static final String INITIAL = "# crash test\nVERSION=0\n\n# payload below\nPAYLOAD=none\n# trailer\n";
    private static final int KILLS = 25;

    @TempDir
    Path dir;

    static List<String> javaCommand(Class<?> main, String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", System.getProperty("java.class.path"), main.getName()));
        command.addAll(List.of(args));
        return command;
    }

    static String expected(long n) {
        return DotEnvFormat.render(DotEnvFormat.apply(DotEnvFormat.parse(INITIAL), DotEnvWriterMain.changes(n)));
    }

    /** The VERSION a whole write left in the file (0 for the initial content). */
    static long version(String content) {
        return Long.parseLong(DotEnvFormat.parse(content).get("VERSION").orElse("0"));
    }

    @Test
    void killedWriterLeavesOldOrNewFileNeverATornOne() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, INITIAL);
        String current = INITIAL;
        long next = 1;
        Random random = new Random(42);
        int killedMidWrite = 0;
        for (int kill = 0; kill < KILLS; kill++) {
            Process child = new ProcessBuilder(javaCommand(DotEnvWriterMain.class, env.toString(), "crash",
                    Long.toString(next))).redirectError(ProcessBuilder.Redirect.INHERIT).start();
            List<String> lines = new CopyOnWriteArrayList<>();
            CountDownLatch ready = new CountDownLatch(1);
            Thread reader = new Thread(() -> {
                try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                    for (String line; (line = in.readLine()) != null;) {
                        lines.add(line);
                        ready.countDown();
                    }
                } catch (Exception ignored) {
                    // the pipe breaks when the child is killed
                }
            });
            reader.start();
            assertThat(ready.await(60, TimeUnit.SECONDS)).as("child started").isTrue();
            Thread.sleep(random.nextInt(150));
            child.destroyForcibly(); // SIGKILL on Unix
            assertThat(child.waitFor(30, TimeUnit.SECONDS)).isTrue();
            reader.join(60_000); // ends at EOF: every line the child printed before it died
            assertThat(reader.isAlive()).as("reader reached the child's EOF").isFalse();

            String actual = Files.readString(env, StandardCharsets.UTF_8);
            DotEnvFormat.parse(actual); // must parse
            long lastStarted = -1;
            boolean lastDone = false;
            for (String line : lines) {
                if (line.startsWith("W ")) {
                    lastStarted = Long.parseLong(line.substring(2));
                    lastDone = false;
                } else if (line.startsWith("D ")) {
                    lastDone = true;
                }
            }
            if (lastStarted < 0) {
                // no "W" line seen: untouched, or (lines lost, see below) a whole write of this child
                long onDisk = version(actual);
                assertThat(actual).as("kill %d before the first write", kill)
                        .isIn(current, onDisk >= next ? expected(onDisk) : null);
                if (onDisk >= next) {
                    next = onDisk + 1;
                }
            } else {
                String before = lastStarted == next ? current : expected(lastStarted - 1);
                String after = expected(lastStarted);
                // The child's last line or two can be lost when the JDK drains a killed child's pipe while our
                // reader is reading, so the file may hold a write one or two past the last line seen; it must
                // still be a whole write (old or new), never a torn mix.
                long onDisk = version(actual);
                String whole = onDisk > lastStarted ? expected(onDisk) : null;
                if (lastDone) {
                    assertThat(actual).as("kill %d after write %d completed", kill, lastStarted).isIn(after, whole);
                } else {
                    assertThat(actual).as("kill %d during write %d (%d lines read)", kill, lastStarted, lines.size())
                            .isIn(before, after, whole);
                    killedMidWrite++;
                }
                long floor = lastStarted == next ? version(current) : lastStarted - 1;
                assertThat(onDisk).as("kill %d: no write lost or invented (lines %s)", kill, lines)
                        .isBetween(floor, lastStarted + 2);
                next = Math.max(lastStarted, onDisk) + 1;
            }
            current = actual;
        }
        // the loop really was interrupted inside writes, not only between them
        assertThat(killedMidWrite).isPositive();
        // a normal write after all the crashes still works and cleans up
        new DotEnvFile(env).apply(java.util.Map.of("AFTER", "crashes"));
        assertThat(new DotEnvFile(env).read().get("AFTER")).contains("crashes");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(".env", ".env.lock");
        }
    }
}
