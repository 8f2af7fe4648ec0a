package io.kvconfig.service;

import static io.kvconfig.service.Api.envBytes;
import static io.kvconfig.service.Api.put;
import static io.kvconfig.service.Api.q;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;

/**
 * Partial failure told truthfully (issue 11, finding 7), with failures that are real for root too (root ignores
 * permissions): a lock file that is a directory ("Is a directory") is found by the check that runs before any Key
 * Vault write (500, Key Vault not called); a {@code .env} directory replaced by a regular file ("Not a directory")
 * during the Key Vault writes gets a 500 that names the keys Key Vault already stored and the reason, which is logged
 * as well (path and error, never a value).
 */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class EnvWriteFailureTest {

    static final String GITHUB = LeakCheck.secret("env-failure-github-'\"\\" + Long.toHexString(System.nanoTime()));
    static final String NEW_ADMIN = LeakCheck.secret("env-failure-admin-" + Long.toHexString(System.nanoTime()));

    private Path dir;
    private Path moved;

    @BeforeEach
    void reset() {
        TestVault.reset();
        dir = TestVault.envFile.getParent();
        moved = dir.resolveSibling("env-moved-away");
    }

    /** Puts the .env directory back where it was, and its lock file. */
    @AfterEach
    void restore() throws Exception {
        if (Files.isDirectory(lock())) {
            Files.delete(lock());
        }
        if (Files.isRegularFile(dir)) {
            Files.delete(dir);
        }
        if (Files.isDirectory(moved)) {
            Files.move(moved, dir);
        }
    }

    /** The directory of .env becomes a regular file: every write below it fails with ENOTDIR, root or not. */
    private void breakTheDirectory() throws Exception {
        Files.move(dir, moved);
        Files.writeString(dir, "a regular file where the .env directory was\n");
    }

    @Test
    void aLockThatCannotBeTakenIsFoundBeforeAnyKeyVaultWrite() throws Exception {
        byte[] before = envBytes();
        java.util.Optional<String> token = TestVault.vault.secretValue("github-token");
        // .env reads fine, but its lock file is a directory: no writer can take the lock (EISDIR, root included)
        Files.deleteIfExists(lock());
        Files.createDirectory(lock());
        Response r = put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"ADMIN_SECRET\":" + q(NEW_ADMIN) + ",\"LOG_FORMAT\":\"x\"}");
        r.then().statusCode(500)
                .body("status", equalTo("env_not_writable"))
                .body("message", containsString(lock().toString() + ": Is a directory"))
                .body("message", containsString("no Key Vault write"));
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
        Api.assertUnchanged(TestVault.vault, "github-token", token);
        Api.assertHolds(TestVault.vault, "admin-secret", TestVault.ADMIN_SECRET);
        assertThat(LeakCheck.logLines()).anyMatch(line -> line.startsWith("ERROR") && line.contains(lock().toString())
                && line.contains("Is a directory") && line.contains("Key Vault was not called"));
        assertThat(envBytes()).isEqualTo(before);
    }

    @Test
    void anEnvThatCannotBeReadIsRefusedWithItsReason() throws Exception {
        byte[] before = envBytes();
        breakTheDirectory();
        put("{\"GITHUB_TOKEN\":" + q(GITHUB) + ",\"LOG_FORMAT\":\"x\"}").then().statusCode(500)
                .body("status", equalTo("env_not_readable"))
                .body("message", containsString(TestVault.envFile + ": Not a directory"))
                .body("message", containsString("Nothing was written"));
        assertThat(TestVault.vault.journal().count("SetSecret")).isZero();
        assertThat(LeakCheck.logLines()).anyMatch(line -> line.startsWith("ERROR") && line.contains("cannot be read")
                && line.contains("Not a directory"));
        restore();
        assertThat(envBytes()).isEqualTo(before);
    }

    @Test
    void aSymlinkedEnvIsCheckedWhereItIsWritten() throws Exception {
        // .env is a link to a file that does not exist yet, in another directory: the check looks there, as the write
        byte[] before = envBytes();
        Path elsewhere = Files.createDirectories(dir.resolveSibling("env-target"));
        Path target = elsewhere.resolve("real.env");
        Files.deleteIfExists(target);
        Files.delete(TestVault.envFile);
        Files.createSymbolicLink(TestVault.envFile, Path.of("..", "env-target", "real.env"));
        try {
            put("{\"GITHUB_TOKEN\":" + q(GITHUB) + "}").then().statusCode(200);
            assertThat(Files.isSymbolicLink(TestVault.envFile)).isTrue();
            assertThat(Files.readString(target)).isEqualTo("GITHUB_TOKEN=@kv:github-token\n");
            Api.assertHolds(TestVault.vault, "github-token", GITHUB);
        } finally {
            Files.delete(TestVault.envFile);
            Files.write(TestVault.envFile, before);
        }
    }

    private Path lock() {
        return dir.resolve(TestVault.envFile.getFileName() + ".lock");
    }

    @Test
    void whenEnvFailsAfterTheKeyVaultWritesTheAnswerNamesWhatKeyVaultHolds() throws Exception {
        byte[] before = envBytes();
        // the writes take 2 s at the vault; the directory breaks right after the pre-write check (its temp file goes)
        TestVault.vault.faults().latency(Duration.ofSeconds(2));
        try (WatchService watch = FileSystems.getDefault().newWatchService()) {
            dir.register(watch, StandardWatchEventKinds.ENTRY_DELETE);
            CompletableFuture<Response> answer = CompletableFuture.supplyAsync(() -> put("{\"GITHUB_TOKEN\":" + q(GITHUB)
                    + ",\"ADMIN_SECRET\":" + q(NEW_ADMIN) + ",\"LOG_FORMAT\":\"x\"}"));
            awaitProbeDeleted(watch);
            breakTheDirectory();
            Response r = answer.get(60, TimeUnit.SECONDS);
            r.then().statusCode(500)
                    .body("status", equalTo("env_write_failed"))
                    .body("reason", containsString(dir.toString()))
                    .body("reason", containsString("Not a directory"))
                    .body("stored", hasSize(2))
                    .body("stored[0].key", equalTo("GITHUB_TOKEN"))
                    .body("stored[0].secretName", equalTo("github-token"))
                    .body("stored[1].key", equalTo("ADMIN_SECRET"))
                    .body("stored[1].secretName", equalTo("admin-secret"))
                    .body("message", containsString("Key Vault stored a new version"))
                    .body("message", containsString("was not changed"))
                    .body("message", containsString("ADMIN_SECRET's included"));
        }
        // what the answer says is what Key Vault holds
        Api.assertHolds(TestVault.vault, "github-token", GITHUB);
        Api.assertHolds(TestVault.vault, "admin-secret", NEW_ADMIN);
        assertThat(LeakCheck.logLines()).anyMatch(line -> line.startsWith("ERROR") && line.contains(dir.toString())
                && line.contains("Not a directory") && line.contains("[GITHUB_TOKEN, ADMIN_SECRET]"));
        restore();
        assertThat(envBytes()).isEqualTo(before);
    }

    /** Waits until the pre-write check deleted its temp file next to .env (bounded). */
    private static void awaitProbeDeleted(WatchService watch) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (System.nanoTime() < deadline) {
            WatchKey key = watch.poll(100, TimeUnit.MILLISECONDS);
            if (key == null) {
                continue;
            }
            for (WatchEvent<?> e : key.pollEvents()) {
                if (e.context() instanceof Path p && p.getFileName().toString().startsWith(
                        TestVault.envFile.getFileName() + ".tmp-")) {
                    return;
                }
            }
            key.reset();
        }
        throw new AssertionError("the pre-write check never created and deleted its temp file");
    }
}
