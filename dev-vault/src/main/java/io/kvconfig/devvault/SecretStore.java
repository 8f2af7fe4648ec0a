package io.kvconfig.devvault;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * Secrets with versions and soft delete. Names are case-insensitive (as in Key Vault) and keep the case they were
 * created with. All access goes through the shared lock; every change calls onChange (persistence).
 */
final class SecretStore {
    static final Pattern NAME = Pattern.compile("[0-9a-zA-Z-]{1,127}");
    static final Pattern VERSION = Pattern.compile("[0-9a-fA-F]{32}");
    static final int MAX_VALUE_CHARS = 25 * 1024;
    static final int RECOVERABLE_DAYS = 90;
    static final String RECOVERY_LEVEL = "Recoverable+Purgeable";

    static final class Version {
        final String id;
        final String value;
        String contentType;
        Map<String, String> tags;
        boolean enabled = true;
        Long nbf;
        Long exp;
        final long created;
        long updated;

        Version(String id, String value, long created) {
            this.id = id;
            this.value = value;
            this.created = created;
            this.updated = created;
        }
    }

    static final class Secret {
        final String name;
        final List<Version> versions = new ArrayList<>();
        long deletedDate;
        long scheduledPurgeDate;
        /** While a deletion or recovery runs (System.nanoTime() deadline), 0 when none does. Not persisted. */
        long busyUntilNanos;

        Secret(String name) {
            this.name = name;
        }

        Version latest() {
            return versions.get(versions.size() - 1);
        }

        Version version(String id) {
            for (Version v : versions) {
                if (v.id.equalsIgnoreCase(id)) {
                    return v;
                }
            }
            return null;
        }
    }

    /** Optional attributes of a set or update. Null = not given. */
    record Attributes(Boolean enabled, Long nbf, Long exp) {
    }

    private final Object lock;
    private final Runnable onChange;
    private final TreeMap<String, Secret> active = new TreeMap<>();
    private final TreeMap<String, Secret> deleted = new TreeMap<>();
    /** Per name (lower case): a fingerprint of the seed value last applied, so a changed seed can be told apart. */
    private final TreeMap<String, String> seeded = new TreeMap<>();
    private volatile Duration deletionDelay = Duration.ZERO;
    private volatile Duration recoveryDelay = Duration.ZERO;
    /** Told of every version added (the Event Grid topic); called under the lock, so it must only queue. */
    private volatile java.util.function.BiConsumer<String, Version> onNewVersion = (name, v) -> {
    };

    SecretStore(Object lock, Runnable onChange) {
        this.lock = lock;
        this.onChange = onChange;
    }

    /**
     * Soft delete and recovery take this long, as on Key Vault where both run asynchronously: after a delete the
     * deleted secret is not found (and a purge or set is 409 ObjectIsBeingDeleted) until the deletion is done; after
     * a recover the secret is not found (and a set is 409 ObjectIsBeingRecovered) until the recovery is done.
     */
    void onNewVersion(java.util.function.BiConsumer<String, Version> listener) {
        this.onNewVersion = listener;
    }

    void delays(Duration deletion, Duration recovery) {
        this.deletionDelay = deletion;
        this.recoveryDelay = recovery;
    }

    /** Ends every soft delete and recovery still running, as if its delay had passed. */
    void finishRunning() {
        synchronized (lock) {
            active.values().forEach(s -> s.busyUntilNanos = 0);
            deleted.values().forEach(s -> s.busyUntilNanos = 0);
        }
    }

    /** Whether a deletion or recovery of this secret is still running (and clears the mark once it is done). */
    private static boolean busy(Secret s) {
        if (s.busyUntilNanos == 0) {
            return false;
        }
        if (System.nanoTime() - s.busyUntilNanos < 0) {
            return true;
        }
        s.busyUntilNanos = 0;
        return false;
    }

    private static long until(Duration delay) {
        return delay.isZero() ? 0 : (System.nanoTime() + delay.toNanos()) | 1;
    }

    /** The active secret, unless it is still being recovered (then Key Vault does not show it yet). */
    private Secret activeSecret(String name) {
        Secret s = active.get(key(name));
        return s == null || busy(s) ? null : s;
    }

    /** The deleted secret, unless its deletion is still running (then Key Vault does not show it yet). */
    private Secret deletedSecret(String name) {
        Secret s = deleted.get(key(name));
        return s == null || busy(s) ? null : s;
    }

    private static ServiceError beingDeleted(String message) {
        return new ServiceError(409, "Conflict", message, "ObjectIsBeingDeleted");
    }

    static void checkName(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw ServiceError.badParameter("The request URI contains an invalid name: " + name);
        }
    }

    /** For the Java API: an invalid name is the caller's mistake, an IllegalArgumentException naming it. */
    static void checkNameArgument(String name) {
        if (name == null || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid secret name: " + name);
        }
    }

    static long now() {
        return Instant.now().getEpochSecond();
    }

    Secret set(String name, String value, String contentType, Map<String, String> tags, Attributes attributes) {
        checkName(name);
        if (value.length() > MAX_VALUE_CHARS) {
            throw ServiceError.badParameter("The secret value is too large. The maximum allowed size is 25 KB.");
        }
        synchronized (lock) {
            String key = key(name);
            Secret recovering = active.get(key);
            if (recovering != null && busy(recovering)) {
                throw new ServiceError(409, "Conflict", "Secret " + name + " is currently being recovered and cannot"
                        + " be re-created; retry later.", "ObjectIsBeingRecovered");
            }
            Secret gone = deleted.get(key);
            if (gone != null && busy(gone)) {
                throw beingDeleted("Secret " + name + " is currently being deleted and cannot be re-created; retry"
                        + " later.");
            }
            if (deleted.containsKey(key)) {
                throw new ServiceError(409, "Conflict", "Secret " + name
                        + " is currently in a deleted but recoverable state, and its name cannot be reused; in this"
                        + " state, the secret can only be recovered or purged.", "ObjectIsDeletedButRecoverable");
            }
            Secret secret = active.computeIfAbsent(key, k -> new Secret(name));
            Version v = new Version(UUID.randomUUID().toString().replace("-", ""), value, now());
            v.contentType = contentType;
            v.tags = tags;
            if (attributes != null) {
                if (attributes.enabled() != null) {
                    v.enabled = attributes.enabled();
                }
                v.nbf = attributes.nbf();
                v.exp = attributes.exp();
            }
            secret.versions.add(v);
            onChange.run();
            onNewVersion.accept(secret.name, v);
            return secret;
        }
    }

    /** The version to read (latest when version is null/empty); 404 if missing, 403 if disabled. */
    Version get(String name, String version) {
        checkName(name);
        synchronized (lock) {
            Version v = find(name, version);
            if (!v.enabled) {
                throw new ServiceError(403, "Forbidden", "Operation get is not allowed on a disabled secret.",
                        "SecretDisabled");
            }
            return v;
        }
    }

    Optional<String> value(String name) {
        synchronized (lock) {
            Secret s = activeSecret(name);
            return s == null ? Optional.empty() : Optional.of(s.latest().value);
        }
    }

    /** Whether the name is taken, by an active or a deleted secret. */
    boolean exists(String name) {
        synchronized (lock) {
            return active.containsKey(key(name)) || deleted.containsKey(key(name));
        }
    }

    String nameOf(String name) {
        synchronized (lock) {
            Secret s = active.get(key(name));
            if (s == null) {
                s = deleted.get(key(name));
            }
            return s == null ? name : s.name;
        }
    }

    Version update(String name, String version, String contentType, Map<String, String> tags,
            Attributes attributes) {
        checkName(name);
        synchronized (lock) {
            Version v = find(name, version);
            if (contentType != null) {
                v.contentType = contentType;
            }
            if (tags != null) {
                v.tags = tags;
            }
            if (attributes != null) {
                if (attributes.enabled() != null) {
                    v.enabled = attributes.enabled();
                }
                if (attributes.nbf() != null) {
                    v.nbf = attributes.nbf();
                }
                if (attributes.exp() != null) {
                    v.exp = attributes.exp();
                }
            }
            v.updated = now();
            onChange.run();
            return v;
        }
    }

    Secret delete(String name) {
        checkName(name);
        synchronized (lock) {
            if (activeSecret(name) == null) {
                throw ServiceError.secretNotFound(name);
            }
            Secret s = active.remove(key(name));
            s.busyUntilNanos = until(deletionDelay);
            s.deletedDate = now();
            s.scheduledPurgeDate = s.deletedDate + Duration.ofDays(RECOVERABLE_DAYS).toSeconds();
            deleted.put(key(name), s);
            onChange.run();
            return s;
        }
    }

    Secret getDeleted(String name) {
        checkName(name);
        synchronized (lock) {
            Secret s = deletedSecret(name);
            if (s == null) {
                throw ServiceError.deletedNotFound(name);
            }
            return s;
        }
    }

    Secret recover(String name) {
        checkName(name);
        synchronized (lock) {
            Secret gone = deleted.get(key(name));
            if (gone != null && busy(gone)) {
                throw beingDeleted("Secret is currently being deleted.");
            }
            Secret s = deleted.remove(key(name));
            if (s == null) {
                throw ServiceError.deletedNotFound(name);
            }
            s.busyUntilNanos = until(recoveryDelay);
            s.deletedDate = 0;
            s.scheduledPurgeDate = 0;
            active.put(key(name), s);
            onChange.run();
            return s;
        }
    }

    void purge(String name) {
        checkName(name);
        synchronized (lock) {
            Secret gone = deleted.get(key(name));
            if (gone != null && busy(gone)) {
                // Key Vault's own words while a soft delete still runs (the JS SDK's tests retry exactly this)
                throw beingDeleted("Secret is currently being deleted.");
            }
            if (deleted.remove(key(name)) == null) {
                throw ServiceError.deletedNotFound(name);
            }
            onChange.run();
        }
    }

    /** What applying a seed did. */
    enum Seeded {
        /** the name was free: the secret was created */
        CREATED,
        /** the seed is the one applied before (or the secret already holds it): nothing changed */
        UNCHANGED,
        /** the seed changed since it was last applied: it is now the secret's latest version */
        NEW_VERSION,
        /** the seed changed, but the secret is deleted: left deleted */
        DELETED_KEPT
    }

    /**
     * Applies a start-up seed. A free name gets the secret. A seed that is the same as the one applied before changes
     * nothing, so a value the application set since survives restarts; a seed that changed becomes a new version
     * (unless the secret already holds it). A deleted secret stays deleted. A state saved before seeds were
     * remembered has no fingerprint: a seed equal to one of the secret's versions counts as given before.
     */
    Seeded applySeed(String name, String value) {
        String fingerprint = fingerprint(name, value);
        synchronized (lock) {
            String key = key(name);
            Secret act = active.get(key);
            Secret del = deleted.get(key);
            if (act == null && del == null) {
                set(name, value, null, null, null);
                seeded.put(key, fingerprint);
                onChange.run();
                return Seeded.CREATED;
            }
            String before = seeded.get(key);
            Secret existing = act != null ? act : del;
            boolean known = fingerprint.equals(before)
                    || (before == null && existing.versions.stream().anyMatch(v -> v.value.equals(value)));
            if (known || (act != null && act.latest().value.equals(value))) {
                if (!fingerprint.equals(before)) {
                    seeded.put(key, fingerprint);
                    onChange.run();
                }
                return Seeded.UNCHANGED;
            }
            if (act == null) {
                return Seeded.DELETED_KEPT;
            }
            set(name, value, null, null, null);
            seeded.put(key, fingerprint);
            onChange.run();
            return Seeded.NEW_VERSION;
        }
    }

    /** SHA-256 of name and value: tells a changed seed apart without keeping a second copy of the value. */
    private static String fingerprint(String name, String value) {
        try {
            java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
            d.update(key(name).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            d.update((byte) 0);
            d.update(value.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d.digest());
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Secrets after the given key (exclusive), at most max+1 so the caller knows whether more follow. */
    List<Secret> listActive(String afterKey, int max) {
        synchronized (lock) {
            return page(active, afterKey, max);
        }
    }

    List<Secret> listDeleted(String afterKey, int max) {
        synchronized (lock) {
            return page(deleted, afterKey, max);
        }
    }

    /**
     * Versions sorted by id (the service's order), after the given id, at most max+1. A name with no active secret
     * has none: Key Vault answers 200 with an empty list, not 404.
     */
    List<Version> listVersions(String name, String afterId, int max) {
        checkName(name);
        synchronized (lock) {
            Secret s = activeSecret(name);
            if (s == null) {
                return List.of();
            }
            List<Version> sorted = new ArrayList<>(s.versions);
            sorted.sort(Comparator.comparing(v -> v.id));
            List<Version> out = new ArrayList<>();
            for (Version v : sorted) {
                if (afterId == null || v.id.compareTo(afterId) > 0) {
                    out.add(v);
                    if (out.size() > max) {
                        break;
                    }
                }
            }
            return out;
        }
    }

    List<String> names() {
        synchronized (lock) {
            List<String> names = new ArrayList<>();
            active.values().stream().filter(s -> !busy(s)).forEach(s -> names.add(s.name));
            return names;
        }
    }

    static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    private Version find(String name, String version) {
        Secret s = activeSecret(name);
        if (s == null) {
            throw ServiceError.secretNotFound(name);
        }
        if (version == null || version.isEmpty()) {
            return s.latest();
        }
        Version v = s.version(version);
        if (v == null) {
            throw ServiceError.versionNotFound(name, version);
        }
        return v;
    }

    private static List<Secret> page(TreeMap<String, Secret> map, String afterKey, int max) {
        Map<String, Secret> tail = afterKey == null ? map : map.tailMap(afterKey, false);
        List<Secret> out = new ArrayList<>();
        for (Secret s : tail.values()) {
            if (busy(s)) {
                continue;
            }
            out.add(s);
            if (out.size() > max) {
                break;
            }
        }
        return out;
    }

    // ---- persistence ----

    ObjectNode toJson() {
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.set("secrets", secretsJson(active));
        node.set("deletedSecrets", secretsJson(deleted));
        ObjectNode seeds = node.putObject("seeds");
        seeded.forEach(seeds::put);
        return node;
    }

    void load(JsonNode node) {
        synchronized (lock) {
            active.clear();
            deleted.clear();
            readSecrets(node.path("secrets"), active);
            readSecrets(node.path("deletedSecrets"), deleted);
            seeded.clear();
            node.path("seeds").fields().forEachRemaining(e -> seeded.put(e.getKey(), e.getValue().asText()));
        }
    }

    private static ArrayNode secretsJson(TreeMap<String, Secret> map) {
        ArrayNode arr = JsonNodeFactory.instance.arrayNode();
        for (Secret s : map.values()) {
            ObjectNode sn = arr.addObject();
            sn.put("name", s.name);
            if (s.deletedDate != 0) {
                sn.put("deletedDate", s.deletedDate);
                sn.put("scheduledPurgeDate", s.scheduledPurgeDate);
            }
            ArrayNode vs = sn.putArray("versions");
            for (Version v : s.versions) {
                ObjectNode vn = vs.addObject();
                vn.put("id", v.id);
                vn.put("value", v.value);
                if (v.contentType != null) {
                    vn.put("contentType", v.contentType);
                }
                if (v.tags != null) {
                    ObjectNode t = vn.putObject("tags");
                    v.tags.forEach(t::put);
                }
                vn.put("enabled", v.enabled);
                if (v.nbf != null) {
                    vn.put("nbf", v.nbf);
                }
                if (v.exp != null) {
                    vn.put("exp", v.exp);
                }
                vn.put("created", v.created);
                vn.put("updated", v.updated);
            }
        }
        return arr;
    }

    private static void readSecrets(JsonNode arr, TreeMap<String, Secret> into) {
        for (JsonNode sn : arr) {
            String name = sn.path("name").asText();
            if (!NAME.matcher(name).matches() || sn.path("versions").size() == 0) {
                throw new IllegalStateException("The dev vault state file holds an invalid secret entry");
            }
            Secret s = new Secret(name);
            s.deletedDate = sn.path("deletedDate").asLong(0);
            s.scheduledPurgeDate = sn.path("scheduledPurgeDate").asLong(0);
            for (JsonNode vn : sn.path("versions")) {
                Version v = new Version(vn.path("id").asText(), vn.path("value").asText(), vn.path("created").asLong());
                v.updated = vn.path("updated").asLong(v.created);
                v.contentType = vn.hasNonNull("contentType") ? vn.get("contentType").asText() : null;
                if (vn.path("tags").isObject()) {
                    Map<String, String> tags = new LinkedHashMap<>();
                    vn.get("tags").fields().forEachRemaining(e -> tags.put(e.getKey(), e.getValue().asText()));
                    v.tags = tags;
                }
                v.enabled = vn.path("enabled").asBoolean(true);
                v.nbf = vn.hasNonNull("nbf") ? vn.get("nbf").asLong() : null;
                v.exp = vn.hasNonNull("exp") ? vn.get("exp").asLong() : null;
                s.versions.add(v);
            }
            into.put(key(name), s);
        }
    }
}
