package io.kvconfig.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;

/** ResolveEnvMain in-process against the dev vault; records are read from a real FIFO. */
class ResolveEnvMainTest {

    @TempDir
    static Path tmp;
    static DevVault vault;
    static final String SPECIAL = "sp ace 'single' \"double\" $HOME `x` \\back\\slash\nnew line\ttab =eq ";

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).ruleDelay(Duration.ZERO)
                .build().start();
        vault.setSecret("special", SPECIAL);
        vault.setSecret("plain-secret", "plain-secret-value");
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    static Map<String, String> env() {
        Map<String, String> env = new HashMap<>();
        env.put("KEY_VAULT_URL", vault.vaultUrl() + "/");
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT", vault.identityEndpoint());
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_HEADER", vault.identityHeader());
        env.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE", vault.trustStorePath().toString());
        env.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD", vault.trustStorePassword());
        env.put("QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION", "false");
        env.put("QUARKUS_KVCONFIG_STARTUP_TIMEOUT", "20S");
        env.put("PATH", "/usr/bin:/bin");
        return env;
    }

    record Run(int code, List<String> records, String err) {
    }

    static Run run(Map<String, String> env, String... extraArgs) throws Exception {
        Path fifo = Files.createTempFile(tmp, "out", ".fifo");
        Files.delete(fifo);
        Process mk = new ProcessBuilder("mkfifo", "-m", "600", fifo.toString()).start();
        assertThat(mk.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(mk.exitValue()).isZero();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        // O_RDWR on a FIFO does not block (Linux), so the writer never waits for a reader
        try (RandomAccessFile keep = new RandomAccessFile(fifo.toFile(), "rw")) {
            List<String> args = new ArrayList<>(List.of("--output", fifo.toString()));
            args.addAll(List.of(extraArgs));
            int code = ResolveEnvMain.run(args.toArray(String[]::new), env, new Properties(), err);
            // our own end record after whatever the resolver wrote, then read up to it
            keep.write("#test-end\0".getBytes(StandardCharsets.UTF_8));
            List<String> records = new ArrayList<>();
            ByteArrayOutputStream rec = new ByteArrayOutputStream();
            while (true) {
                int b = keep.read();
                assertThat(b).as("unexpected end of the pipe").isNotNegative();
                if (b != 0) {
                    rec.write(b);
                    continue;
                }
                String text = rec.toString(StandardCharsets.UTF_8);
                rec.reset();
                if (text.equals("#test-end")) {
                    break;
                }
                records.add(text);
            }
            return new Run(code, records, errBytes.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void resolvesEveryReferenceVariableAndEndsWithTheMarker() throws Exception {
        Map<String, String> env = env();
        env.put("SPECIAL", "@kv:special");
        env.put("BY_URI", "@kv:" + vault.vaultUrl() + "/secrets/plain-secret");
        env.put("OPTIONAL_GONE", "@kv?:not-there");
        env.put("PLAIN", "@notkv:x");
        env.put("dotted.name", "@kv:plain-secret");
        Run r = run(env);
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly(
                "SBY_URI=plain-secret-value",
                "SSPECIAL=" + SPECIAL,
                "UOPTIONAL_GONE",
                ResolveEnvMain.DONE);
        assertThat(r.err()).contains("'dotted.name' holds a Key Vault reference but is not a shell variable name")
                // one summary line, in the extension's words; the optional reference left unset is named in it
                // (the optional one not found is counted apart from the resolved ones)
                .containsPattern("(?m)^kvconfig: Key Vault: resolved 2 references to 2 secrets in \\d+ ms \\(fetch \\d+ ms,"
                        + " 3 requests\\); 1 optional reference not found \\(left unset\\): OPTIONAL_GONE \\(secret 'not-there'\\)$")
                .doesNotContain("plain-secret-value").doesNotContain("back\\slash");
    }

    @Test
    void failureWritesNothingAndNamesVariableAndSecret() throws Exception {
        Map<String, String> env = env();
        env.put("GOOD", "@kv:plain-secret");
        env.put("DB_PASSWORD", "@kv:no-such-secret");
        env.put("BAD_SYNTAX", "@kv:under_score");
        Run r = run(env);
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.records()).isEmpty();
        assertThat(r.err())
                .contains("Could not resolve 2 of 3 Key Vault references in environment variables")
                .contains("property 'DB_PASSWORD', secret 'no-such-secret'", "not found")
                .contains("property 'BAD_SYNTAX': invalid reference")
                .doesNotContain("plain-secret-value");
    }

    @Test
    void allowUnresolvedUnsetsTheFailedVariablesAndSaysSo() throws Exception {
        Map<String, String> env = env();
        env.put("GOOD", "@kv:plain-secret");
        env.put("DB_PASSWORD", "@kv:no-such-secret");
        env.put(ResolveEnvMain.ALLOW_UNRESOLVED_ENV, "true");
        Run r = run(env);
        assertThat(r.code()).isZero();
        assertThat(r.records()).containsExactly("SGOOD=plain-secret-value", "UDB_PASSWORD", ResolveEnvMain.DONE);
        assertThat(r.err()).contains("starting anyway").contains("WITHOUT: DB_PASSWORD");

        env.remove(ResolveEnvMain.ALLOW_UNRESOLVED_ENV);
        Run flag = run(env, "--allow-unresolved");
        assertThat(flag.code()).isZero();
        assertThat(flag.records()).containsExactly("SGOOD=plain-secret-value", "UDB_PASSWORD", ResolveEnvMain.DONE);
    }

    @Test
    void noReferencesOnlyTheMarker() throws Exception {
        Map<String, String> env = env();
        env.put("PLAIN", "value");
        Run r = run(env);
        assertThat(r.code()).isZero();
        assertThat(r.records()).containsExactly(ResolveEnvMain.DONE);
    }

    @Test
    void badConfigurationIsAUsageError() throws Exception {
        Map<String, String> env = env();
        env.put("KEY_VAULT_URL", "http://insecure.example");
        env.put("X", "@kv:plain-secret");
        Run r = run(env);
        assertThat(r.code()).isEqualTo(2);
        assertThat(r.records()).isEmpty();
        assertThat(r.err()).contains("configuration error").contains("KEY_VAULT_URL").contains("only https");
    }

    @Test
    void refusesARegularFileAndBadArguments() throws Exception {
        Path file = Files.createTempFile(tmp, "regular", ".txt");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        Map<String, String> env = env();
        env.put("X", "@kv:plain-secret");
        assertThat(ResolveEnvMain.run(new String[] { "--output", file.toString() }, env, new Properties(), ps)).isEqualTo(2);
        assertThat(Files.size(file)).isZero();
        assertThat(ResolveEnvMain.run(new String[] {}, env, new Properties(), ps)).isEqualTo(2);
        assertThat(ResolveEnvMain.run(new String[] { "--bogus" }, env, new Properties(), ps)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("is a regular file").contains("--output is required")
                .contains("unknown argument --bogus");
    }
    /** One refused --output: exit 2, the option and the reason named, no Key Vault request, nothing written. */
    private static String refused(String output, String reason) throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream ps = new PrintStream(err, true, StandardCharsets.UTF_8);
        Map<String, String> env = env();
        env.put("X", "@kv:plain-secret");
        long requests = vault.journal().total();
        assertThat(ResolveEnvMain.run(new String[] { "--output", output }, env, new Properties(), ps)).as(output).isEqualTo(2);
        String text = err.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("--output " + output + " " + reason).contains("pass an existing pipe such as /dev/fd/3")
                .doesNotContain("plain-secret-value");
        assertThat(vault.journal().total()).as("refused before any Key Vault request").isEqualTo(requests);
        return text;
    }

    private static List<String> listing(Path dir) throws Exception {
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void refusesAnOutputThatDoesNotExistAndCreatesNothing() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("missing-output"));
        Path missing = dir.resolve("values");
        refused(missing.toString(), "does not exist");
        assertThat(missing).doesNotExist();
        refused(dir.resolve("no-dir/values").toString(), "does not exist");
        assertThat(dir.resolve("no-dir")).doesNotExist();
        // a dangling link: its target is not created either
        Path link = dir.resolve("dangling");
        Files.createSymbolicLink(link, dir.resolve("target"));
        refused(link.toString(), "does not exist (through a symbolic link)");
        assertThat(listing(dir)).containsExactly("dangling");
        assertThat(Files.isSymbolicLink(link)).isTrue();
    }

    @Test
    void refusesFilesOnDiskAndDirectoriesAndLeavesThemAsTheyWere() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("disk-output"));
        Path file = Files.writeString(dir.resolve("file.txt"), "keep me\n");
        Path empty = Files.createFile(dir.resolve("empty.txt"));
        Path sub = Files.createDirectories(dir.resolve("sub"));
        Path link = Files.createSymbolicLink(dir.resolve("link"), file);
        Path linkToDir = Files.createSymbolicLink(dir.resolve("link-dir"), sub);

        refused(file.toString(), "is a regular file");
        refused(empty.toString(), "is a regular file");
        refused(sub.toString(), "is a directory");
        refused(link.toString(), "is a regular file (through a symbolic link)");
        refused(linkToDir.toString(), "is a directory (through a symbolic link)");
        refused("", "is a directory"); // the empty path is the working directory

        assertThat(Files.readString(file)).isEqualTo("keep me\n");
        assertThat(Files.size(empty)).isZero();
        assertThat(listing(sub)).isEmpty();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(listing(dir)).containsExactly("empty.txt", "file.txt", "link", "link-dir", "sub");
    }

    @Test
    void refusesADescriptorOfARegularFile() throws Exception {
        // what `ResolveEnvMain --output /dev/fd/3 3>file` gives: /dev/fd/N leads to a file on disk
        Path file = Files.createFile(tmp.resolve("behind-fd.txt"));
        try (java.io.FileOutputStream open = new java.io.FileOutputStream(file.toFile())) {
            String fd = null;
            try (var fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path p : fds.toList()) {
                    try {
                        if (Files.readSymbolicLink(p).equals(file)) {
                            fd = p.getFileName().toString();
                        }
                    } catch (java.io.IOException gone) {
                        // the listing's own descriptor
                    }
                }
            }
            assertThat(fd).as("descriptor of the open file").isNotNull();
            refused("/dev/fd/" + fd, "is a regular file (through a symbolic link)");
        }
        assertThat(Files.size(file)).isZero();
    }

    @Test
    void acceptsACharacterDevice() throws Exception {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        Map<String, String> env = env();
        env.put("X", "@kv:plain-secret");
        assertThat(ResolveEnvMain.run(new String[] { "--output", "/dev/null" }, env, new Properties(),
                new PrintStream(err, true, StandardCharsets.UTF_8))).as(err.toString(StandardCharsets.UTF_8)).isZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("Key Vault: resolved 1 references");
    }
}
