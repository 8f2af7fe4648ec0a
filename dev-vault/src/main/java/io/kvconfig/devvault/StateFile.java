package io.kvconfig.devvault;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The optional JSON state file and what it keeps: at start the saved state is restored (or a new one made), and from
 * then on every change (secret, firewall, ARM resource) writes the whole state again, under the shared lock. The file
 * is owner-only (0600) and replaced atomically (temp file + rename). Without a file everything lives in memory only.
 */
final class StateFile {
    private static final int FORMAT = 1;
    private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    private static final ObjectMapper MAPPER = new ObjectMapper();

    /** The vault's state: loaded at start, saved on every change. */
    record State(Coordinates coordinates, String identityHeader, Tokens tokens, TlsMaterial tls,
            VaultResource resource, SecretStore store, Firewall firewall) {
    }

    /** Null: everything in memory only. */
    private final Path path;
    private final Object lock;
    /** Null while starting: nothing is written before the state is complete. */
    private volatile State saving;

    StateFile(Path path, Object lock) {
        this.path = path == null ? null : path.toAbsolutePath().normalize();
        this.lock = lock;
    }

    Optional<Path> path() {
        return Optional.ofNullable(path);
    }

    /**
     * The saved state, or a new one (fresh ids, keys and CA) for what the file does not hold; settings given
     * explicitly win over saved ones. Store and firewall get their saved contents.
     */
    State load(Settings<?> settings, SecretStore store, Firewall firewall) {
        ObjectNode saved = read();
        if (saved != null && saved.path("format").asInt() != FORMAT) {
            throw new IllegalStateException("Dev vault state file " + path + " has an unknown format");
        }
        Coordinates coordinates = new Coordinates(
                pick(settings.tenantId, saved, "tenantId", "00000000-0000-0000-0000-000000000001"),
                pick(settings.subscriptionId, saved, "subscriptionId", "00000000-0000-0000-0000-000000000002"),
                settings.resourceGroup, settings.vaultName, settings.location, settings.publicIp);
        String identityHeader = pick(settings.identityHeader, saved, "identityHeader", UUID.randomUUID().toString());
        byte[] tokenKey;
        if (saved != null && saved.hasNonNull("tokenKey")) {
            tokenKey = Base64.getDecoder().decode(saved.get("tokenKey").asText());
        } else {
            tokenKey = new byte[32];
            new SecureRandom().nextBytes(tokenKey);
        }
        Tokens tokens = new Tokens(tokenKey, coordinates.tenantId(), pick(null, saved, "objectId",
                UUID.randomUUID().toString()), pick(null, saved, "clientId", UUID.randomUUID().toString()),
                settings.tokenLifetime);
        TlsMaterial tls = null;
        JsonNode t = saved == null ? null : saved.get("tls");
        if (t != null && t.isObject()) {
            tls = TlsMaterial.decode(t.path("caKey").asText(), t.path("caCert").asText(),
                    t.path("serverKey").asText(), t.path("serverCert").asText());
        }
        if (tls == null || !tls.stillValid()) {
            tls = TlsMaterial.generate(settings.hostNames);
        } else if (!tls.covers(settings.hostNames)) {
            // a host name added since the state was saved: same CA, a server certificate that names it
            tls = tls.reissue(settings.hostNames);
        }
        VaultResource resource = new VaultResource(saved != null && saved.path("vault").isObject()
                ? (ObjectNode) saved.get("vault") : null, coordinates, lock, firewall, this::save);
        if (saved != null) {
            store.load(saved);
            if (saved.has("network")) {
                firewall.restore(NetworkRules.fromJson(saved.get("network")));
            }
        }
        return new State(coordinates, identityHeader, tokens, tls, resource, store, firewall);
    }

    /** From now on every change is saved; saves once at once. */
    void saveFrom(State state) {
        saving = state;
        save();
    }

    /** Writes the state file (if any). Called under the lock after every change. */
    void save() {
        State s = saving;
        if (path == null || s == null) {
            return;
        }
        synchronized (lock) {
            try {
                write(json(s));
            } catch (IOException e) {
                DevVault.LOG.log(System.Logger.Level.ERROR, "Cannot write the dev vault state file " + path
                        + ": " + e.getClass().getSimpleName());
                throw new UncheckedIOException("Cannot write the dev vault state file", e);
            }
        }
    }

    private ObjectNode json(State state) {
        ObjectNode s = MAPPER.createObjectNode();
        s.put("format", FORMAT);
        s.put("tenantId", state.coordinates().tenantId());
        s.put("subscriptionId", state.coordinates().subscriptionId());
        s.put("identityHeader", state.identityHeader());
        s.put("tokenKey", Base64.getEncoder().encodeToString(state.tokens().key()));
        s.put("clientId", state.tokens().clientId());
        s.put("objectId", state.tokens().objectId());
        String[] t = state.tls().encoded();
        s.putObject("tls").put("caKey", t[0]).put("caCert", t[1]).put("serverKey", t[2]).put("serverCert", t[3]);
        s.set("network", state.firewall().desired().toJson());
        s.set("vault", state.resource().saved());
        s.setAll(state.store().toJson());
        return s;
    }

    /** The saved state, or null when there is none (yet). A file that cannot be read stops the start. */
    private ObjectNode read() {
        if (path == null || !Files.exists(path)) {
            return null;
        }
        try {
            JsonNode node = MAPPER.readTree(path.toFile());
            if (node == null || !node.isObject()) {
                throw new IllegalStateException("Dev vault state file " + path + " is not a JSON object");
            }
            return (ObjectNode) node;
        } catch (IOException e) {
            // Jackson's message may quote file content (secret values): keep it out
            throw new IllegalStateException("Dev vault state file " + path + " is not valid JSON; fix or remove it");
        }
    }

    private void write(ObjectNode state) throws IOException {
        Path dir = path.getParent();
        Files.createDirectories(dir);
        Path tmp = POSIX
                ? Files.createTempFile(dir, "." + path.getFileName(), ".tmp",
                        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))
                : Files.createTempFile(dir, "." + path.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                MAPPER.writerWithDefaultPrettyPrinter().writeValue(out, state);
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

    private static String pick(String configured, JsonNode saved, String field, String fallback) {
        if (configured != null) {
            return configured;
        }
        if (saved != null && saved.hasNonNull(field)) {
            return saved.get(field).asText();
        }
        return fallback;
    }
}
