package io.kvconfig.runtime.dotenv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Function;

import org.jboss.logging.Logger;

/**
 * A {@code .env} file on disk in {@link DotEnvFormat}. Reads parse the whole file; writes are atomic and
 * serialized:
 * <ul>
 * <li>atomic: the new content goes to a temp file in the same directory, created with mode 0600 (never
 * wider, at no moment: the mode is given to the creating call, not set afterwards), which is fsynced, renamed over
 * the file ({@code ATOMIC_MOVE}) and the directory fsynced; every write replaces the file (a new inode), and a
 * crash at any point leaves the old or the new file, never a torn one (at worst a stale {@code .env.tmp-*} file,
 * removed by the next write);</li>
 * <li>serialized: one {@link ReentrantLock} per file in this JVM plus an exclusive {@link FileLock} on the
 * sibling {@code <name>.lock} file across processes; {@link #update(Function)} reads, changes and writes under
 * both locks, so concurrent writers never lose each other's changes.</li>
 * </ul>
 * The file is UTF-8; a missing file reads as an empty document. A symlinked {@code .env} is resolved to its
 * target, which is what is read, locked ({@code <target>.lock} beside the target) and replaced (temp file beside
 * the target); the link stays a link. So writers through the link and through the target exclude each other.
 * Because the write is a rename, the target's directory must be writable: in a container, mount the directory
 * holding {@code .env}, not the single file (renaming over a bind-mounted file fails with EBUSY).
 */
public final class DotEnvFile {

    private static final Logger LOG = Logger.getLogger(DotEnvFile.class);
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final Map<Path, ReentrantLock> LOCKS = new ConcurrentHashMap<>();
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    /** Links followed before giving up, as the kernel's ELOOP limit. */
    private static final int MAX_LINKS = 40;

    /**
     * Test hook: called with each temp file right after the call that created it, before anything is written to
     * it or done with it (to observe its mode at creation).
     */
    static volatile Consumer<Path> tempFileCreated;

    private final Path path;

    public DotEnvFile(Path path) {
        this.path = path.toAbsolutePath().normalize();
    }

    public Path path() {
        return path;
    }

    /** Parses the current file; a missing file is an empty document. */
    public DotEnvDocument read() throws IOException {
        return read(path);
    }

    private DotEnvDocument read(Path file) throws IOException {
        String text = readText(file);
        return text == null ? DotEnvDocument.EMPTY : DotEnvFormat.parse(text, path.toString());
    }

    /** The raw text, or null when the file does not exist. Invalid UTF-8 is an error, not replaced. */
    public String readText() throws IOException {
        return readText(path);
    }

    private String readText(Path file) throws IOException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            return null;
        }
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw new IOException("Invalid .env file " + path + ": not valid UTF-8");
        }
    }

    /** Applies key -> value changes ({@code null} removes the key) in one atomic, locked write. */
    public DotEnvDocument apply(Map<String, String> changes) throws IOException {
        return update(current -> DotEnvFormat.apply(current, changes));
    }

    /**
     * Reads the file, computes the new document from it and writes it, all under the in-process and
     * cross-process locks. The function may throw to abort without writing. Returns the written document
     * (nothing is written when the function returns the same document instance).
     */
    public DotEnvDocument update(Function<DotEnvDocument, DotEnvDocument> change) throws IOException {
        Path target = target();
        ReentrantLock lock = LOCKS.computeIfAbsent(target, p -> new ReentrantLock());
        lock.lock();
        try (FileChannel lockChannel = FileChannel.open(lockPath(target), lockOpenOptions(), lockAttributes());
                FileLock ignored = lockChannel.lock()) {
            DotEnvDocument current = read(target);
            DotEnvDocument next = change.apply(current);
            if (next != current) {
                removeStaleTempFiles(target);
                writeAtomically(target, DotEnvFormat.render(next));
            }
            return next;
        } finally {
            lock.unlock();
        }
    }

    /** Replaces the whole content (already rendered) atomically, under the locks. */
    public void writeText(String text) throws IOException {
        DotEnvFormat.parse(text, path.toString()); // never write a file that does not read back
        Path target = target();
        ReentrantLock lock = LOCKS.computeIfAbsent(target, p -> new ReentrantLock());
        lock.lock();
        try (FileChannel lockChannel = FileChannel.open(lockPath(target), lockOpenOptions(), lockAttributes());
                FileLock ignored = lockChannel.lock()) {
            removeStaleTempFiles(target);
            writeAtomically(target, text);
        } finally {
            lock.unlock();
        }
    }

    /** The cross-process lock file: beside the file that is replaced (a symlink's target), never beside the link. */
    Path lockPath() throws IOException {
        return lockPath(target());
    }

    private static Path lockPath(Path target) {
        return target.resolveSibling(target.getFileName() + ".lock");
    }

    /**
     * The file that is read, locked and replaced: the path itself, or where its chain of symbolic links ends
     * (which need not exist yet), with its directory's real path when that exists, so every spelling of one file
     * (through links, "..", a linked directory) gets the same in-process lock.
     */
    Path target() throws IOException {
        Path p = path;
        for (int hops = 0; Files.isSymbolicLink(p); hops++) {
            if (hops == MAX_LINKS) {
                throw new IOException("Cannot write " + path + ": too many levels of symbolic links");
            }
            // a relative link is relative to the directory holding the link
            p = p.getParent().resolve(Files.readSymbolicLink(p));
        }
        Path dir = p.getParent();
        Path name = p.getFileName();
        if (name == null || dir == null) {
            throw new IOException("Cannot write " + path + ": its symbolic link leads to " + p + ", not a file");
        }
        return Files.isDirectory(dir) ? dir.toRealPath().resolve(name) : p.normalize();
    }

    private static Set<StandardOpenOption> lockOpenOptions() {
        return Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static FileAttribute<?>[] lockAttributes() {
        return POSIX ? new FileAttribute<?>[] { PosixFilePermissions.asFileAttribute(OWNER_ONLY) }
                : new FileAttribute<?>[0];
    }

    /**
     * Checks that a write could replace the file now, without writing it: creates, then deletes, the temp file a
     * write creates beside its target (the end of a symlink chain). Throws what the write would meet: permission
     * denied, a read-only file system, too many levels of links. Lets a caller find out before a step it cannot
     * undo (the service, before it writes secrets to Key Vault).
     */
    public void checkWritable() throws IOException {
        Path target = target();
        Files.createDirectories(target.getParent());
        Path tmp = tempFile(target);
        FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), lockAttributes()).close();
        Files.delete(tmp);
    }

    /** A new temp file's name beside {@code target}; one left by a crash is removed by the next write. */
    private static Path tempFile(Path target) {
        return target.resolveSibling(target.getFileName() + ".tmp-" + UUID.randomUUID());
    }

    private static void writeAtomically(Path target, String text) throws IOException {
        Path dir = target.getParent();
        Files.createDirectories(dir);
        Path tmp = tempFile(target);
        try {
            // 0600 from the creating call on (the umask can only narrow it): the content is a secret's reference
            // or, without a vault, the secret itself, and must never sit in a file others could open
            try (FileChannel out = FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    lockAttributes())) {
                Consumer<Path> hook = tempFileCreated;
                if (hook != null) {
                    hook.accept(tmp);
                }
                ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
                while (buffer.hasRemaining()) {
                    out.write(buffer);
                }
                out.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("Cannot replace " + target + " atomically on this file system", e);
            }
            tmp = null;
            fsyncDirectory(dir);
        } finally {
            if (tmp != null) {
                Files.deleteIfExists(tmp);
            }
        }
    }

    private static void fsyncDirectory(Path dir) {
        try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
            channel.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // Some platforms cannot open a directory; the rename is still atomic, only its durability waits
            LOG.debugf("Could not fsync directory %s: %s", dir, e.getClass().getSimpleName());
        }
    }

    /** Temp files left by a writer that crashed; safe to delete while we hold the cross-process lock. */
    private static void removeStaleTempFiles(Path target) throws IOException {
        if (!Files.isDirectory(target.getParent())) {
            return;
        }
        try (DirectoryStream<Path> stale = Files.newDirectoryStream(target.getParent(), target.getFileName() + ".tmp-*")) {
            for (Path p : stale) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "DotEnvFile[" + path + "]";
    }
}
