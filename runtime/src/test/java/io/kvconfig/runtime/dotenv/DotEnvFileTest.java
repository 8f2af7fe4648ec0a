package io.kvconfig.runtime.dotenv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

    private static List<String> names(Path directory) throws IOException {
        try (Stream<Path> files = Files.list(directory)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static Object inode(Path p, LinkOption... options) throws IOException {
        return Files.getAttribute(p, "unix:ino", options);
    }

    @Test
    void aSymlinkedFileIsLockedAndReplacedAtItsTarget() throws IOException {
        Path realDir = Files.createDirectories(dir.resolve("real"));
        Path real = realDir.resolve("settings.env");
        Files.writeString(real, "A=1\n");
        Path linkDir = Files.createDirectories(dir.resolve("app"));
        Path link = linkDir.resolve(".env");
        Files.createSymbolicLink(link, real);
        Object linkInode = inode(link, LinkOption.NOFOLLOW_LINKS);
        Object before = inode(real);
        // a hard link (outside both directories) keeps the old version alive, so the file system cannot hand its inode
        // number to one of the replacements
        Files.createLink(Files.createDirectories(dir.resolve("keep")).resolve("old"), real);

        DotEnvFile file = new DotEnvFile(link);
        assertThat(file.lockPath()).isEqualTo(realDir.toRealPath().resolve("settings.env.lock"));
        file.apply(Map.of("B", "2"));
        file.writeText("A=1\nB=2\nC=3\n");
        file.update(doc -> DotEnvFormat.apply(doc, Map.of("D", "4")));

        assertThat(Files.isSymbolicLink(link)).as("the link stays a link").isTrue();
        assertThat(Files.readSymbolicLink(link)).isEqualTo(real);
        assertThat(inode(link, LinkOption.NOFOLLOW_LINKS)).as("the link itself was not replaced").isEqualTo(linkInode);
        assertThat(Files.readString(real)).isEqualTo("A=1\nB=2\nC=3\nD=4\n");
        assertThat(inode(real)).as("the target was replaced").isNotEqualTo(before);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(real))).isEqualTo("rw-------");
        // lock and temp files beside the target, nothing beside the link
        assertThat(names(realDir)).containsExactly("settings.env", "settings.env.lock");
        assertThat(names(linkDir)).containsExactly(".env");
        assertThat(file.read().values()).containsEntry("D", "4");
    }

    @Test
    void checkWritableProbesBesideTheLinksTargetAndLeavesNothing() throws IOException {
        Path realDir = Files.createDirectories(dir.resolve("real"));
        Path real = realDir.resolve("settings.env");
        Files.writeString(real, "A=1\n");
        Path linkDir = Files.createDirectories(dir.resolve("app"));
        Path link = Files.createSymbolicLink(linkDir.resolve(".env"), real);
        DotEnvFile file = new DotEnvFile(link);

        file.checkWritable();
        assertThat(names(realDir)).containsExactly("settings.env");
        assertThat(names(linkDir)).containsExactly(".env");
        assertThat(Files.readString(real)).isEqualTo("A=1\n");

        // the link now leads into a regular file as if it were a directory (root bypasses permissions, not this):
        // the probe fails as the write does, and nothing is created
        Path notADir = Files.writeString(dir.resolve("plain-file"), "x");
        Files.delete(link);
        Files.createSymbolicLink(link, notADir.resolve("settings.env"));
        Class<? extends Throwable> writeFails = org.assertj.core.api.Assertions.catchThrowable(
                () -> file.apply(Map.of("B", "2"))).getClass();
        assertThat(writeFails).isAssignableTo(IOException.class);
        assertThatThrownBy(file::checkWritable).isInstanceOf(writeFails).hasMessageContaining("plain-file");
        assertThat(Files.readString(notADir)).isEqualTo("x");
        assertThat(names(linkDir)).containsExactly(".env");
    }

    @Test
    void checkWritableNamesALinkLoop() throws IOException {
        Path a = dir.resolve("a.env");
        Path b = dir.resolve("b.env");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertThatThrownBy(() -> new DotEnvFile(a).checkWritable()).isInstanceOf(IOException.class)
                .hasMessageContaining("too many levels of symbolic links");
    }

    @Test
    void relativeChainedAndDanglingLinksEndAtTheirTarget() throws IOException {
        Path realDir = Files.createDirectories(dir.resolve("data"));
        Path linkDir = Files.createDirectories(dir.resolve("app"));
        // app/.env -> ../app/middle (relative) -> ../data/final.env (relative, not there yet)
        Path middle = Files.createSymbolicLink(linkDir.resolve("middle"), Path.of("../data/final.env"));
        Path link = Files.createSymbolicLink(linkDir.resolve(".env"), Path.of("../app/middle"));

        DotEnvFile file = new DotEnvFile(link);
        assertThat(file.read().values()).isEmpty();
        file.apply(Map.of("A", "created through two links"));

        Path target = realDir.resolve("final.env");
        assertThat(Files.isRegularFile(target, LinkOption.NOFOLLOW_LINKS)).isTrue();
        assertThat(Files.readString(target)).isEqualTo("A='created through two links'\n");
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.isSymbolicLink(middle)).isTrue();
        assertThat(names(realDir)).containsExactly("final.env", "final.env.lock");
        assertThat(names(linkDir)).containsExactly(".env", "middle");
    }

    @Test
    void aLinkLoopIsAnErrorNamingThePath() throws IOException {
        Path a = dir.resolve("a.env");
        Path b = dir.resolve("b.env");
        Files.createSymbolicLink(a, b);
        Files.createSymbolicLink(b, a);
        assertThatThrownBy(() -> new DotEnvFile(a).apply(Map.of("A", "1"))).isInstanceOf(IOException.class)
                .hasMessageContaining(a.toString()).hasMessageContaining("too many levels of symbolic links");
        assertThat(names(dir)).containsExactly("a.env", "b.env");
    }

    @Test
    void writersThroughTheLinkAndThroughTheTargetExcludeEachOther() throws Exception {
        Path realDir = Files.createDirectories(dir.resolve("real"));
        Path real = realDir.resolve("settings.env");
        Files.writeString(real, "# shared\n");
        Path link = Files.createSymbolicLink(dir.resolve(".env"), real);
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                int n = i;
                Path via = n % 2 == 0 ? link : real;
                futures.add(pool.submit(() -> new DotEnvFile(via).apply(Map.of("K" + n, "v" + n))));
            }
            for (Future<?> f : futures) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdown();
        }
        // and a process writing through the link while this one writes through the target
        Process child = new ProcessBuilder(DotEnvCrashTest.javaCommand(DotEnvWriterMain.class, link.toString(),
                "increment", "CHILD", "20")).redirectErrorStream(true).start();
        for (int i = 0; i < 20; i++) {
            new DotEnvFile(real).apply(Map.of("PARENT_" + i, "x"));
        }
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();

        Map<String, String> values = new DotEnvFile(real).read().values();
        assertThat(values).hasSize(140);
        for (int i = 0; i < 100; i++) {
            assertThat(values).containsEntry("K" + i, "v" + i);
        }
        for (int i = 0; i < 20; i++) {
            assertThat(values).containsEntry("CHILD_" + i, Integer.toString(i)).containsEntry("PARENT_" + i, "x");
        }
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(names(dir)).containsExactly(".env", "real");
    }

    @Test
    void everyWriteReplacesTheFileAndLeavesTheOldVersionUntouched() throws IOException {
        Path env = dir.resolve(".env");
        Files.writeString(env, "A=0\n");
        // hard links keep every old version (and its inode number) alive: a reused inode number cannot hide a
        // rewrite in place, and a rewrite in place would show in the old version's content
        Path held = Files.createDirectories(dir.resolve("held"));
        DotEnvFile file = new DotEnvFile(env);
        Set<Object> inodes = new HashSet<>();
        inodes.add(inode(env));
        for (int i = 1; i <= 6; i++) {
            Path old = Files.createLink(held.resolve("v" + i), env);
            byte[] oldBytes = Files.readAllBytes(old);
            Object oldInode = inode(env);
            String value = "write " + i;
            switch (i % 3) {
                case 0 -> file.apply(Map.of("A", value));
                case 1 -> file.writeText("A='" + value + "'\n");
                default -> file.update(doc -> DotEnvFormat.apply(doc, Map.of("A", value)));
            }
            assertThat(file.read().get("A")).contains(value);
            assertThat(inode(env)).as("write %d replaced the file", i).isNotEqualTo(oldInode);
            assertThat(inodes.add(inode(env))).as("write %d: a new inode", i).isTrue();
            assertThat(Files.readAllBytes(old)).as("write %d left the old version as it was", i).isEqualTo(oldBytes);
        }
    }

    @Test
    void theTempFileIsOwnerOnlyFromTheMomentItIsCreated() throws Exception {
        // a child JVM with umask 000: a file created without the 0600 attribute would be rw-rw-rw- there, so
        // "create, then chmod" shows at the moment of creation (the hook runs before anything else is done)
        Path env = dir.resolve(".env");
        List<String> java = DotEnvCrashTest.javaCommand(DotEnvWriterMain.class, env.toString(), "observe-temp");
        Process child = new ProcessBuilder(concat(List.of("bash", "-c", "umask 000; exec \"$@\"", "_"), java))
                .redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
        assertThat(child.exitValue()).as(output).isZero();
        assertThat(output).as("the child's umask lets a plain create make a world-readable file")
                .contains("PLAIN rw-rw-rw-");
        // two writes: creating the file, then replacing it
        assertThat(output.lines().filter(l -> l.startsWith("TEMP ")).toList())
                .containsExactly("TEMP rw------- 0 bytes", "TEMP rw------- 0 bytes");
        assertThat(output).contains("FINAL rw-------");
        assertThat(names(dir)).containsExactly(".env", ".env.lock", "plain");
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
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
                f.get(60, TimeUnit.SECONDS);
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
            assertThat(child.waitFor(60, TimeUnit.SECONDS)).as(output).isTrue();
            assertThat(child.exitValue()).as(output).isZero();
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
