package io.kvconfig.devvault;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The optional JSON state file: owner-only (0600), replaced atomically (temp file + rename) on every change. */
final class StateFile {
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");

    private final Path path;
    private final ObjectMapper mapper;

    StateFile(Path path, ObjectMapper mapper) {
        this.path = path.toAbsolutePath().normalize();
        this.mapper = mapper;
    }

    Path path() {
        return path;
    }

    /** The saved state, or null when there is no file yet. A file that cannot be read stops the start. */
    ObjectNode load() {
        if (!Files.exists(path)) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(path.toFile());
            if (node == null || !node.isObject()) {
                throw new IllegalStateException("Dev vault state file " + path + " is not a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            // Jackson's message may quote file content (secret values): keep it out
            throw new IllegalStateException("Dev vault state file " + path + " is not valid JSON; fix or remove it");
        }
    }

    void save(ObjectNode state) throws IOException {
        Path dir = path.getParent();
        Files.createDirectories(dir);
        Path tmp = POSIX
                ? Files.createTempFile(dir, "." + path.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                mapper.writerWithDefaultPrettyPrinter().writeValue(out, state);
                out.flush();
            }
            moveAtomically(tmp, path);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    static void moveAtomically(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
