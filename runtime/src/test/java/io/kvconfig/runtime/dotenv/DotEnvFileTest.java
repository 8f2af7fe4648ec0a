package io.kvconfig.runtime.dotenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DotEnvFileTest {

    @TempDir
    Path dir;

    @Test
    void missingFileReadsEmptyAndIsCreatedWithMode0600() throws IOException {
        DotEnvFile file = new DotEnvFile(dir.resolve(".env"));
        assertThat(file.read().values()).isEmpty();
        assertThat(file.readText()).isNull();
        file.apply(Map.of("A", "x y"));
        assertThat(Files.readString(file.path())).isEqualTo("A='x y'\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.path()))).isEqualTo("rw-------");
    }

    @Test
    void rewriteMakesAWorldReadableFile0600AndKeepsUntouchedLines() throws IOException {
        Path env = dir.resolve(".env");
        String original = "# my settings\n\nA=1   # one\nexport B=\"two\"\n\n# end\n";
        Files.writeString(env, original);
        Files.setPosixFilePermissions(env, PosixFilePermissions.fromString("rw-r--r--"));
        DotEnvFile file = new DotEnvFile(env);
        file.apply(Map.of("A", "@kv:a-secret"));
        assertThat(Files.readString(env)).isEqualTo("# my settings\n\nA=@kv:a-secret   # one\nexport B=\"two\"\n\n# end\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder(".env", ".env.lock");
        }
    }

    @Test
    void aSymlinkedFileIsWrittenThroughToItsTarget() throws IOException {
        Path realDir = Files.createDirectories(dir.resolve("real"));
        Path real = realDir.resolve("settings.env");
        Files.writeString(real, "A=1\n");
        Path link = dir.resolve(".env");
        Files.createSymbolicLink(link, real);
        new DotEnvFile(link).apply(Map.of("B", "2"));
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(real)).isEqualTo("A=1\nB=2\n");
        try (Stream<Path> files = Files.list(realDir)) {
            assertThat(files.map(p -> p.getFileName().toString())).containsExactly("settings.env");
        }
    }

    @Test
    void updateThatThrowsWritesNothing() throws IOException {
        Path env = dir.resolve(".env");
        Files.writeString(env, "A=1\n");
        DotEnvFile file = new DotEnvFile(env);
        assertThatThrownBy(() -> file.update(doc -> {
            throw new IllegalStateException("abort");
        })).hasMessage("abort");
        assertThat(Files.readString(env)).isEqualTo("A=1\n");
        // returning the same instance means "no change": nothing written
        long modified = Files.getLastModifiedTime(env).toMillis();
        file.update(doc -> doc);
        assertThat(Files.getLastModifiedTime(env).toMillis()).isEqualTo(modified);
    }

    @Test
    void invalidFileIsReportedNotOverwritten() throws IOException {
        Path env = dir.resolve(".env");
        Files.writeString(env, "A=$oops\n");
        DotEnvFile file = new DotEnvFile(env);
        assertThatThrownBy(() -> file.apply(Map.of("B", "1"))).isInstanceOf(DotEnvParseException.class)
                .hasMessageContaining("line 1 (A)");
        assertThat(Files.readString(env)).isEqualTo("A=$oops\n");
        assertThatThrownBy(() -> file.writeText("B=$x\n")).isInstanceOf(DotEnvParseException.class);
    }

    @Test
    void invalidUtf8IsAnError() throws IOException {
        Path env = dir.resolve(".env");
        Files.write(env, new byte[] { 'A', '=', (byte) 0xff, '\n' });
        assertThatThrownBy(() -> new DotEnvFile(env).read()).isInstanceOf(IOException.class)
                .hasMessageContaining("UTF-8");
    }

    @Test
    void staleTempFilesFromACrashedWriterAreRemoved() throws IOException {
        Path env = dir.resolve(".env");
        Path stale = dir.resolve(".env.tmp-1234");
        Files.writeString(stale, "A=half");
        new DotEnvFile(env).apply(Map.of("A", "1"));
        assertThat(stale).doesNotExist();
        assertThat(Files.readString(env, StandardCharsets.UTF_8)).isEqualTo("A=1\n");
    }

    @Test
    void concurrentWritersInOneProcessLoseNothing() throws Exception {
        Path env = dir.resolve(".env");
        Files.writeString(env, "# shared\n");
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                int n = i;
                // a new DotEnvFile per writer: the lock belongs to the path, not the instance
                futures.add(pool.submit(() -> new DotEnvFile(dir.resolve("./.env")).apply(Map.of("K" + n, "v " + n))));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdown();
        }
        Map<String, String> values = new DotEnvFile(env).read().values();
        assertThat(values).hasSize(200);
        for (int i = 0; i < 200; i++) {
            assertThat(values).containsEntry("K" + i, "v " + i);
        }
        assertThat(Files.readString(env)).startsWith("# shared\n");
    }

    @Test
    void concurrentWritersInSeveralProcessesLoseNothing() throws Exception {
        Path env = dir.resolve(".env");
        int processes = 3;
        int writes = 20;
        List<Process> children = new ArrayList<>();
        for (int p = 0; p < processes; p++) {
            children.add(new ProcessBuilder(DotEnvCrashTest.javaCommand(DotEnvWriterMain.class, env.toString(),
                    "increment", "P" + p, Integer.toString(writes))).redirectErrorStream(true).start());
        }
        // and this process writes at the same time
        for (int i = 0; i < writes; i++) {
            new DotEnvFile(env).apply(Map.of("PARENT_" + i, "x"));
        }
        for (Process child : children) {
            String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(child.waitFor()).as(output).isZero();
        }
        Map<String, String> values = new DotEnvFile(env).read().values();
        for (int p = 0; p < processes; p++) {
            for (int i = 0; i < writes; i++) {
                assertThat(values).containsEntry("P" + p + "_" + i, Integer.toString(i));
            }
        }
        assertThat(values).hasSize(processes * writes + writes);
        Map<String, String> expectedParent = new LinkedHashMap<>();
        for (int i = 0; i < writes; i++) {
            expectedParent.put("PARENT_" + i, "x");
        }
        assertThat(values).containsAllEntriesOf(expectedParent);
    }
}
