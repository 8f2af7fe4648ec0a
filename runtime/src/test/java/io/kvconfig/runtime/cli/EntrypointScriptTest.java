package io.kvconfig.runtime.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import io.kvconfig.runtime.vault.KeyVaultClients;
import io.kvconfig.runtime.vault.KeyVaultSettings;

/**
 * src/main/docker/entrypoint.sh end to end: the dev vault runs as a separate process, the entrypoint runs under
 * bash with the real resolver JVM (DefaultAzureCredential reading IDENTITY_ENDPOINT/IDENTITY_HEADER from its
 * environment, as in Azure Container Apps), and a stand-in command dumps the environment it got.
 */
class EntrypointScriptTest {

    @TempDir
    static Path tmp;
    static Process devVault;
    static final Map<String, String> VAULT_ENV = new HashMap<>();
    static Path script;
    static String classpath;
    static String pinnedVersion;

    static final String SPECIAL = " lead sp ace 'single' \"double\" $HOME ${X} `x` \\back\\slash\\\nnew line\ttab =eq \u00e9\u20ac trail\n\n";
    static final String PLAIN_SECRET = "plain-secret-value-7f3a";
    static final String DOTENV_SECRET = "dotenv-secret-value-1c9b";
    static final String OLD_SPECIAL = "old-special-value-55de";
    static final List<String> VALUES = List.of(SPECIAL.strip(), PLAIN_SECRET, DOTENV_SECRET, OLD_SPECIAL, "back\\slash");
    /** A bound on each blocking SDK call of the set-up: a stuck call fails the test instead of hanging the build. */
    static final java.time.Duration SDK_CALL = java.time.Duration.ofSeconds(60);

    @BeforeAll
    static void startDevVaultProcess() throws Exception {
        classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("src/main/docker/entrypoint.sh"))) {
            root = root.getParent();
        }
        assertThat(root).as("repository root with src/main/docker/entrypoint.sh").isNotNull();
        script = root.resolve("src/main/docker/entrypoint.sh");

        devVault = startDevVault(tmp.resolve("vault"), VAULT_ENV);

        // seed through the real SDK
        Map<String, String> cfg = Map.of(
                KeyVaultSettings.URL, VAULT_ENV.get("KEY_VAULT_URL"),
                KeyVaultSettings.CREDENTIAL_IDENTITY_ENDPOINT, VAULT_ENV.get("IDENTITY_ENDPOINT"),
                KeyVaultSettings.CREDENTIAL_IDENTITY_HEADER, VAULT_ENV.get("IDENTITY_HEADER"),
                KeyVaultSettings.TLS_TRUST_STORE, VAULT_ENV.get("QUARKUS_KVCONFIG_TLS_TRUST_STORE"),
                KeyVaultSettings.TLS_TRUST_STORE_PASSWORD, VAULT_ENV.get("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD"),
                KeyVaultSettings.CHALLENGE_RESOURCE_VERIFICATION, "false");
        try (KeyVaultClients clients = new KeyVaultClients(KeyVaultSettings.from(n -> Optional.ofNullable(cfg.get(n))))) {
            var client = clients.defaultVault().orElseThrow();
            pinnedVersion = client.setSecret("special", OLD_SPECIAL).block(SDK_CALL).getProperties().getVersion();
            client.setSecret("special", SPECIAL).block(SDK_CALL);
            client.setSecret("plain-secret", PLAIN_SECRET).block(SDK_CALL);
            client.setSecret("dotenv-secret", DOTENV_SECRET).block(SDK_CALL);
        }
    }

    /** Starts DevVaultMain as its own JVM; fills env with the "export NAME=value" lines of its banner. */
    static Process startDevVault(Path dir, Map<String, String> env, String... extraArgs) throws Exception {
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of(javaBin(), "-cp", classpath, "io.kvconfig.devvault.DevVaultMain",
                "--https-port", "0", "--token-port", "0", "--trust-store-dir", dir.resolve("trust").toString()));
        cmd.addAll(List.of(extraArgs));
        Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("dev-vault.err").toFile()).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        String line;
        while ((line = out.readLine()) != null) {
            if (line.startsWith("export ")) {
                int eq = line.indexOf('=');
                env.put(line.substring(7, eq), line.substring(eq + 1));
                if (line.startsWith("export KEY_VAULT_NAME=")) {
                    break;
                }
            }
        }
        assertThat(env).as("dev vault banner; stderr: " + Files.readString(dir.resolve("dev-vault.err")))
                .containsKeys("KEY_VAULT_URL", "IDENTITY_ENDPOINT", "IDENTITY_HEADER", "QUARKUS_KVCONFIG_TLS_TRUST_STORE",
                        "KEY_VAULT_RG", "KEY_VAULT_NAME");
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // process ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return p;
    }

    @AfterAll
    static void stopDevVault() throws InterruptedException {
        if (devVault != null) {
            devVault.destroy();
            devVault.waitFor(30, TimeUnit.SECONDS);
        }
    }

    static String javaBin() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    record Result(int exit, String stdout, String stderr, long pid) {
    }

    /** Environment of a container: the vault settings a deployment sets, nothing of this JVM's. */
    static Map<String, String> containerEnv(Path dataDir) {
        return containerEnv(dataDir, VAULT_ENV);
    }

    static Map<String, String> containerEnv(Path dataDir, Map<String, String> vaultEnv) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        env.put("JAVA_HOME", System.getProperty("java.home"));
        env.put("KVCONFIG_CLASSPATH", classpath);
        env.put("DATA_DIR", dataDir.toString());
        env.put("KEY_VAULT_URL", vaultEnv.get("KEY_VAULT_URL"));
        // the real credential chain reads these from the environment (App Service / Container Apps style)
        env.put("IDENTITY_ENDPOINT", vaultEnv.get("IDENTITY_ENDPOINT"));
        env.put("IDENTITY_HEADER", vaultEnv.get("IDENTITY_HEADER"));
        env.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE", vaultEnv.get("QUARKUS_KVCONFIG_TLS_TRUST_STORE"));
        env.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD", vaultEnv.get("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD"));
        env.put("QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION", "false");
        return env;
    }

    static Process start(Map<String, String> env, Path workDir, String standIn) throws IOException {
        return start(List.of("bash"), env, workDir, standIn);
    }

    /** Runs {@code <launcher...> entrypoint.sh bash -c standIn}; launcher is e.g. {@code bash -x}. */
    static Process start(List<String> launcher, Map<String, String> env, Path workDir, String standIn) throws IOException {
        List<String> cmd = new ArrayList<>(launcher);
        cmd.addAll(List.of(script.toString(), "bash", "-c", standIn));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        pb.redirectOutput(workDir.resolve("stdout.txt").toFile()).redirectError(workDir.resolve("stderr.txt").toFile());
        return pb.start();
    }

    static Result finish(Process p, Path workDir) throws Exception {
        assertThat(p.waitFor(180, TimeUnit.SECONDS)).as("entrypoint finished").isTrue();
        return new Result(p.exitValue(), Files.readString(workDir.resolve("stdout.txt")),
                Files.readString(workDir.resolve("stderr.txt")), p.pid());
    }

    static Path dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name));
    }

    static Map<String, String> readEnvDump(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Map<String, String> env = new HashMap<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                String entry = new String(bytes, start, i - start, StandardCharsets.UTF_8);
                int eq = entry.indexOf('=');
                env.put(entry.substring(0, eq), entry.substring(eq + 1));
                start = i + 1;
            }
        }
        return env;
    }

    static void assertNoValues(Result r) {
        for (String v : VALUES) {
            assertThat(r.stdout()).doesNotContain(v);
            assertThat(r.stderr()).doesNotContain(v);
        }
    }

    static final String DUMP = "umask 077; env -0 > \"$OUT\"; echo $$ > \"$OUT.pid\"; exit 7";

    @Test
    void resolvesEveryReferenceByteForByteAndExecsTheCommand() throws Exception {
        Path work = dir("every");
        Path data = dir("every-data");
        Path dotenv = data.resolve(".env");
        Files.writeString(dotenv, "# written by the service\nFROM_DOTENV='@kv:dotenv-secret'\nDOTENV_PLAIN='hello world'\n"
                + "OVERRIDDEN='from-file'\n");
        Files.setLastModifiedTime(dotenv, FileTime.fromMillis(1_600_000_000_000L));
        byte[] dotenvBefore = Files.readAllBytes(dotenv);
        FileTime mtimeBefore = Files.getLastModifiedTime(dotenv);

        Map<String, String> env = containerEnv(data);
        env.put("OUT", work.resolve("env.bin").toString());
        env.put("SPECIAL", "@kv:special");
        env.put("PINNED", "@kv:special/" + pinnedVersion);
        env.put("BY_URI", "@kv:" + VAULT_ENV.get("KEY_VAULT_URL") + "/secrets/plain-secret");
        env.put("BY_URI_PINNED", "@kv:" + VAULT_ENV.get("KEY_VAULT_URL") + "/secrets/special/" + pinnedVersion);
        env.put("OPTIONAL_PRESENT", "@kv?:plain-secret");
        env.put("OPTIONAL_GONE", "@kv?:not-there");
        env.put("PLAIN_VAR", "plain $value 'x' \\ \"y\"\nz");
        env.put("OVERRIDDEN", "from-env");

        Process p = start(env, work, DUMP);
        Result r = finish(p, work);

        assertThat(r.exit()).as(r.stderr()).isEqualTo(7);
        Path dump = work.resolve("env.bin");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dump))).isEqualTo("rw-------");
        assertThat(Files.readString(work.resolve("env.bin.pid")).strip()).as("exec: same PID").isEqualTo(Long.toString(r.pid()));
        Map<String, String> got = readEnvDump(dump);
        assertThat(got.get("SPECIAL")).isEqualTo(SPECIAL);
        assertThat(got.get("PINNED")).isEqualTo(OLD_SPECIAL);
        assertThat(got.get("BY_URI")).isEqualTo(PLAIN_SECRET);
        assertThat(got.get("BY_URI_PINNED")).isEqualTo(OLD_SPECIAL);
        assertThat(got.get("OPTIONAL_PRESENT")).isEqualTo(PLAIN_SECRET);
        assertThat(got).doesNotContainKey("OPTIONAL_GONE");
        assertThat(got.get("FROM_DOTENV")).isEqualTo(DOTENV_SECRET);
        assertThat(got.get("DOTENV_PLAIN")).isEqualTo("hello world");
        assertThat(got.get("OVERRIDDEN")).as("the environment wins over .env, as in the service").isEqualTo("from-env");
        assertThat(got.get("PLAIN_VAR")).isEqualTo("plain $value 'x' \\ \"y\"\nz");
        assertThat(got.get("KEY_VAULT_URL")).isEqualTo(VAULT_ENV.get("KEY_VAULT_URL"));
        assertThat(got.values()).noneMatch(v -> v.startsWith("@kv:"));
        assertThat(Files.readAllBytes(dotenv)).isEqualTo(dotenvBefore);
        assertThat(Files.getLastModifiedTime(dotenv)).isEqualTo(mtimeBefore);
        assertNoValues(r);
        // 7 references to 5 distinct secrets, 5 requests: 6 resolved from 4 secrets, and OPTIONAL_GONE (unset) counted
        // apart; one summary line, the extension's words
        assertThat(r.stderr()).containsPattern("(?m)^kvconfig: Key Vault: resolved 6 references to 4 secrets in \\d+ ms"
                + " \\(fetch \\d+ ms, 5 requests\\); 1 optional reference not found \\(left unset\\): OPTIONAL_GONE"
                + " \\(secret 'not-there'\\)$");
    }

    @Test
    void missingSecretStopsBeforeTheCommandAndNamesVariableAndSecret() throws Exception {
        Path work = dir("missing");
        Map<String, String> env = containerEnv(dir("missing-data"));
        env.put("GOOD", "@kv:plain-secret");
        env.put("DB_PASSWORD", "@kv:no-such-secret");
        env.put("RAN", work.resolve("ran").toString());
        Result r = finish(start(env, work, "touch \"$RAN\""), work);
        assertThat(r.exit()).isNotZero();
        assertThat(work.resolve("ran")).as("the command never ran").doesNotExist();
        assertThat(r.stderr()).contains("DB_PASSWORD").contains("no-such-secret").contains("not found")
                .contains("not starting");
        assertNoValues(r);
    }

    /**
     * A vault that refuses connections: the entrypoint prints the resolver's ONE report (the SDK's own
     * "Retry attempts have been exhausted" ERROR with its stack trace is not printed before it) and its own line.
     */
    @Test
    void anUnreachableVaultIsOneMessageWithoutTheSdkRetryLog() throws Exception {
        Path work = dir("unreachable");
        Map<String, String> vaultEnv = new HashMap<>(VAULT_ENV);
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        vaultEnv.put("KEY_VAULT_URL", "https://localhost:" + closedPort);
        Map<String, String> env = containerEnv(dir("unreachable-data"), vaultEnv);
        env.put("QUARKUS_KVCONFIG_STARTUP_TIMEOUT", "2S");
        env.put("DB_PASSWORD", "@kv:db-password");
        env.put("API_KEY", "@kv:api-key");
        env.put("RAN", work.resolve("ran").toString());
        Result r = finish(start(env, work, "touch \"$RAN\""), work);
        assertThat(r.exit()).isNotZero();
        assertThat(work.resolve("ran")).as("the command never ran").doesNotExist();
        String err = r.stderr();
        assertThat(err).doesNotContain("Retry attempts have been exhausted").doesNotContain("az.sdk.message")
                .doesNotContain("RetryPolicy").doesNotContainPattern("(?m)^\\s+at ");
        // the resolver's report once, naming both variables and the reason; then the entrypoint's own line
        assertThat(err.split("Could not resolve", -1)).as(err).hasSize(2);
        assertThat(err).contains("kvconfig: Could not resolve 2 of 2 Key Vault references in environment variables:")
                .contains("DB_PASSWORD").contains("API_KEY").contains("vault unreachable").contains("not starting");
        assertThat(err.lines().filter(l -> !l.isBlank() && !l.startsWith("kvconfig: ") && !l.startsWith("entrypoint: ")
                && !l.startsWith("  "))).as(err).isEmpty();
        for (String v : VALUES) {
            assertThat(err).doesNotContain(v);
        }
    }

    /**
     * The default credential chain with nothing to authenticate with (no identity endpoint, the managed identity
     * endpoint refuses connections, no developer tools): the entrypoint prints the resolver's ONE report, which
     * names every credential tried, and none of the SDK's own logs of the same failure (the broker credential's
     * ERROR about a missing azure-identity-broker, azure-core's "Failed to acquire a new access token", MSAL4J).
     */
    @Test
    void aFailedCredentialChainIsOneMessageWithoutTheSdkLogs() throws Exception {
        Path work = dir("no-credential");
        Map<String, String> env = containerEnv(dir("no-credential-data"));
        env.remove("IDENTITY_ENDPOINT");
        env.remove("IDENTITY_HEADER");
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        // the chain's managed identity asks this host instead of 169.254.169.254 (refused at once, as off Azure)
        env.put("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:" + closedPort);
        env.put("HOME", dir("no-credential-home").toString());
        env.put("PATH", "/usr/bin:/bin");
        env.put("QUARKUS_KVCONFIG_STARTUP_TIMEOUT", "30S");
        env.put("DB_PASSWORD", "@kv:plain-secret");
        env.put("RAN", work.resolve("ran").toString());
        Result r = finish(start(env, work, "touch \"$RAN\""), work);
        assertThat(r.exit()).isNotZero();
        assertThat(work.resolve("ran")).as("the command never ran").doesNotExist();
        String err = r.stderr();
        assertThat(err).doesNotContain("ERROR").doesNotContain("WARN").doesNotContain("BrokerCredential")
                .doesNotContain("AccessTokenCache").doesNotContain("az.sdk.message").doesNotContainPattern("(?m)^\\s+at ");
        // one report: the variable, its secret, the reason, and each credential of the chain with its own reason
        assertThat(err.split("Could not resolve", -1)).as(err).hasSize(2);
        assertThat(err).contains("kvconfig: Could not resolve 1 of 1 Key Vault reference")
                .contains("DB_PASSWORD").contains("plain-secret").contains("authentication failed")
                .contains("DefaultAzureCredential").contains("ManagedIdentityCredential authentication unavailable")
                .contains("azure-identity-broker dependency is not available").contains("not starting");
        assertThat(err.lines().filter(l -> !l.isBlank() && !l.startsWith("kvconfig: ") && !l.startsWith("entrypoint: ")
                && !l.startsWith("  "))).as(err).isEmpty();
        assertNoValues(r);
    }

    @Test
    void allowUnresolvedStartsWithoutTheFailedVariables() throws Exception {
        Path work = dir("allow");
        Map<String, String> env = containerEnv(dir("allow-data"));
        env.put("OUT", work.resolve("env.bin").toString());
        env.put("GOOD", "@kv:plain-secret");
        env.put("DB_PASSWORD", "@kv:no-such-secret");
        env.put("KVCONFIG_ALLOW_UNRESOLVED", "true");
        Result r = finish(start(env, work, DUMP), work);
        assertThat(r.exit()).as(r.stderr()).isEqualTo(7);
        Map<String, String> got = readEnvDump(work.resolve("env.bin"));
        assertThat(got.get("GOOD")).isEqualTo(PLAIN_SECRET);
        assertThat(got).doesNotContainKey("DB_PASSWORD");
        assertThat(r.stderr()).contains("starting anyway").contains("DB_PASSWORD");
        assertNoValues(r);
    }

    @Test
    void signalsReachTheCommandBecauseItReplacedTheScript() throws Exception {
        Path work = dir("signal");
        Map<String, String> env = containerEnv(dir("signal-data"));
        env.put("GOOD", "@kv:plain-secret");
        env.put("MARK", work.resolve("mark").toString());
        Process p = start(env, work,
                "trap 'echo term > \"$MARK.term\"; exit 143' TERM; echo $$ > \"$MARK.pid\"; while :; do sleep 0.2; done");
        Path pidFile = work.resolve("mark.pid");
        for (int i = 0; i < 1800 && !Files.exists(pidFile) && p.isAlive(); i++) {
            Thread.sleep(100);
        }
        assertThat(pidFile).as("stand-in started; stderr: " + Files.readString(work.resolve("stderr.txt"))).exists();
        // wait until the pid is written completely
        String pid = "";
        for (int i = 0; i < 100 && !pid.endsWith("\n"); i++) {
            pid = Files.readString(pidFile);
            Thread.sleep(20);
        }
        assertThat(pid.strip()).isEqualTo(Long.toString(p.pid()));
        p.destroy(); // SIGTERM to the entrypoint's PID, now the stand-in
        Result r = finish(p, work);
        assertThat(r.exit()).isEqualTo(143);
        assertThat(Files.readString(work.resolve("mark.term")).strip()).isEqualTo("term");
        assertNoValues(r);
    }

    @Test
    void withoutReferencesNoResolverRuns() throws Exception {
        Path work = dir("none");
        Map<String, String> env = containerEnv(dir("none-data"));
        env.put("OUT", work.resolve("env.bin").toString());
        env.put("PLAIN", "value");
        env.put("KVCONFIG_CLASSPATH", "/nonexistent"); // the resolver would fail if started
        Result r = finish(start(env, work, DUMP), work);
        assertThat(r.exit()).as(r.stderr()).isEqualTo(7);
        assertThat(readEnvDump(work.resolve("env.bin"))).containsEntry("PLAIN", "value");
        assertThat(r.stderr()).doesNotContain("kvconfig:");
    }

    @Test
    void aDeadResolverIsDetected() throws Exception {
        Path work = dir("dead");
        Map<String, String> env = containerEnv(dir("dead-data"));
        env.put("GOOD", "@kv:plain-secret");
        env.put("RAN", work.resolve("ran").toString());
        env.put("KVCONFIG_CLASSPATH", "/nonexistent"); // java starts, the main class is missing: no success marker
        Result r = finish(start(env, work, "touch \"$RAN\""), work);
        assertThat(r.exit()).isNotZero();
        assertThat(work.resolve("ran")).doesNotExist();
        assertThat(r.stderr()).contains("could not be resolved");
    }

    @Test
    void envFileSettingAndMissingFile() throws Exception {
        Path work = dir("envfile");
        Path custom = dir("envfile-data").resolve("custom.env");
        Files.writeString(custom, "FROM_CUSTOM='@kv:plain-secret'\n");
        Map<String, String> env = containerEnv(dir("envfile-unused"));
        env.put("ENV_FILE", custom.toString());
        env.put("OUT", work.resolve("env.bin").toString());
        Result r = finish(start(env, work, DUMP), work);
        assertThat(r.exit()).as(r.stderr()).isEqualTo(7);
        assertThat(readEnvDump(work.resolve("env.bin"))).containsEntry("FROM_CUSTOM", PLAIN_SECRET);

        env.put("ENV_FILE", work.resolve("nope.env").toString());
        env.put("RAN", work.resolve("ran").toString());
        Result missing = finish(start(env, work, "touch \"$RAN\""), work);
        assertThat(missing.exit()).isNotZero();
        assertThat(missing.stderr()).contains("does not exist");
        assertThat(work.resolve("ran")).doesNotExist();
    }

    @Test
    void firewallAllowlistingRunsBeforeResolutionWhenKeyVaultRgIsSet() throws Exception {
        Map<String, String> denyEnv = new HashMap<>();
        Process deny = startDevVault(tmp.resolve("deny-vault"), denyEnv, "--default-action", "Deny",
                "--secret", "walled=" + PLAIN_SECRET);
        try {
            Path work = dir("firewall");
            Map<String, String> env = containerEnv(dir("firewall-data"), denyEnv);
            env.put("OUT", work.resolve("env.bin").toString());
            env.put("WALLED", "@kv:walled");
            env.put("RAN", work.resolve("ran").toString());

            // without allowlisting: blocked, with the address the vault saw
            Result blocked = finish(start(env, work, "touch \"$RAN\""), work);
            assertThat(blocked.exit()).isNotZero();
            assertThat(work.resolve("ran")).doesNotExist();
            assertThat(blocked.stderr()).contains("WALLED").contains("walled").contains("blocked by the vault firewall")
                    .contains("client address 203.0.113.10");

            // KEY_VAULT_RG set: the firewall step adds our address through the Resource Manager first
            for (String name : List.of("KEY_VAULT_RG", "KEY_VAULT_NAME", "AZURE_SUBSCRIPTION_ID", "AZURE_TENANT_ID",
                    "QUARKUS_KVCONFIG_FIREWALL_RESOURCE_MANAGER_URL", "QUARKUS_KVCONFIG_FIREWALL_IP_ECHO_URLS")) {
                env.put(name, denyEnv.get(name));
            }
            Result allowed = finish(start(env, work, DUMP), work);
            assertThat(allowed.exit()).as(allowed.stderr()).isEqualTo(7);
            assertThat(readEnvDump(work.resolve("env.bin"))).containsEntry("WALLED", PLAIN_SECRET);
            assertNoValues(blocked);
            assertNoValues(allowed);
        } finally {
            deny.destroy();
            deny.waitFor(30, TimeUnit.SECONDS);
        }
    }
    /**
     * A TCP server that accepts connections and never answers: a resolver talking to it is blocked in the TLS
     * handshake (until its deadline). Records every accepted connection.
     */
    static final class SilentServer implements AutoCloseable {
        final ServerSocket socket;
        final List<Socket> accepted = new CopyOnWriteArrayList<>();

        SilentServer() throws IOException {
            socket = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
            Thread t = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(socket.accept());
                    }
                } catch (IOException closed) {
                    // closed
                }
            });
            t.setDaemon(true);
            t.start();
        }

        String url() {
            return "https://localhost:" + socket.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            socket.close();
            for (Socket s : accepted) {
                s.close();
            }
        }
    }

    /** The resolver JVMs among the entrypoint's descendants. */
    static List<ProcessHandle> resolvers(Process entrypoint) {
        // /proc/PID/cmdline itself: ProcessHandle.Info gives no command line for a long one (the classpath)
        return entrypoint.descendants().filter(h -> {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", Long.toString(h.pid()), "cmdline")), StandardCharsets.UTF_8)
                        .contains(ResolveEnvMain.class.getName());
            } catch (IOException gone) {
                return false;
            }
        }).toList();
    }

    @ParameterizedTest
    @CsvSource({ "TERM, 143", "INT, 130" })
    void aSignalWhileResolvingStopsTheResolverAndStartsNothing(String signal, int expectedExit) throws Exception {
        try (SilentServer silent = new SilentServer()) {
            Path work = dir("signal-resolving-" + signal);
            Map<String, String> env = containerEnv(dir("signal-resolving-data-" + signal));
            env.put("KEY_VAULT_URL", silent.url());
            env.put("QUARKUS_KVCONFIG_STARTUP_TIMEOUT", "300S"); // blocked far longer than this test waits
            env.put("GOOD", "@kv:plain-secret");
            env.put("RAN", work.resolve("ran").toString());
            // the signals at their default disposition, whatever this JVM inherited (a shell cannot trap a signal
            // that was ignored when it started; a container's PID 1 starts with none ignored)
            Process p = start(List.of("env", "--default-signal=TERM,INT", "bash"), env, work, "touch \"$RAN\"");

            // wait until the resolver is blocked on the vault: it has connected to the silent server
            for (int i = 0; i < 1800 && silent.accepted.isEmpty() && p.isAlive(); i++) {
                Thread.sleep(100);
            }
            assertThat(silent.accepted).as("resolver connected; stderr: %s", Files.readString(work.resolve("stderr.txt")))
                    .isNotEmpty();
            List<ProcessHandle> resolvers = resolvers(p);
            assertThat(resolvers).as("the resolver JVM, a child of the entrypoint").hasSize(1);
            ProcessHandle resolver = resolvers.get(0);
            assertThat(resolver.parent().map(ProcessHandle::pid)).contains(p.pid());

            Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(p.pid())).start();
            assertThat(kill.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(kill.exitValue()).isZero();
            // bounded: the entrypoint stops the resolver (TERM, KILL after 10 s) and exits; not the 300 s deadline
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("entrypoint exited after SIG" + signal).isTrue();
            Result r = finish(p, work);

            assertThat(r.exit()).as(r.stderr()).isEqualTo(expectedExit);
            assertThat(resolver.isAlive()).as("the resolver was stopped and reaped").isFalse();
            assertThat(p.descendants().toList()).as("nothing left behind").isEmpty();
            // the resolver's connection is gone too: the silent server reads end-of-stream (or a reset)
            Socket conn = silent.accepted.get(0);
            conn.setSoTimeout(30_000);
            InputStream in = conn.getInputStream();
            int b;
            try {
                while ((b = in.read()) >= 0) {
                    // the TLS client hello, then the end
                }
            } catch (java.net.SocketException reset) {
                b = -1;
            }
            assertThat(b).isNegative();
            assertThat(work.resolve("ran")).as("the command never ran").doesNotExist();
            assertThat(r.stderr()).contains("stopped by SIG" + signal).contains("not starting");
            assertNoValues(r);
        }
    }

    @Test
    void theCommandStartsWithTheSignalDispositionsItWouldHaveWithoutTheEntrypoint() throws Exception {
        // read with builtins only: a forked reader (grep) can catch this bash inside its own fork window, where bash
        // briefly blocks CHLD, INT and TERM, and report a mask the process does not keep
        String own = "while IFS= read -r l; do [[ $l != Sig@(Ign|Blk):* ]] || printf '%s\\n' \"$l\"; done < /proc/$$/status";
        String show = "shopt -s extglob; " + own + " > \"$OUT\"";
        Path work = dir("dispositions");
        Map<String, String> env = containerEnv(dir("dispositions-data"));
        env.put("GOOD", "@kv:plain-secret");
        env.put("OUT", work.resolve("through-entrypoint.txt").toString());
        env.put("OUT_BEFORE", work.resolve("entrypoint-started-with.txt").toString());
        // the reference is the mask of the very process that becomes the entrypoint (exec keeps pid and mask): a start
        // of a separate process is no reference, since the test JVM's process starts do not always pass the same mask
        List<String> recordThenEntrypoint = List.of("bash", "-c",
                "shopt -s extglob; " + own + " > \"$OUT_BEFORE\"; exec bash \"$0\" \"$@\"");
        Result r = finish(start(recordThenEntrypoint, env, work, show), work);
        assertThat(r.exit()).as(r.stderr()).isZero();
        // the entrypoint's traps are gone before exec: no signal ignored or blocked that was not already
        assertThat(Files.readString(work.resolve("through-entrypoint.txt")))
                .isEqualTo(Files.readString(work.resolve("entrypoint-started-with.txt")));
    }

    /** Every form a value can take in a bash trace: raw, each line, and as bash quotes it (xtrace, %q, @Q, '\''). */
    static Set<String> shellForms(String value) throws Exception {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(value);
        for (String line : value.split("\n")) {
            if (line.strip().length() >= 8) {
                forms.add(line.strip());
            }
        }
        forms.add("'" + value.replace("'", "'\\''") + "'");
        // bash itself renders the value: as an xtrace word, an xtrace assignment, printf %q and ${v@Q}
        Path traceFile = Files.createTempFile(tmp, "xtrace-forms", ".txt");
        ProcessBuilder pb = new ProcessBuilder("bash", "-c",
                "v=$1; exec 3>&2 2>\"$2\"; set -x; : \"$v\"; x=$v; { set +x; } 2>/dev/null; exec 2>&3; "
                        + "printf '%q\\0' \"$v\"; printf '%s\\0' \"${v@Q}\"",
                "_", value, traceFile.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isZero();
        for (String f : out.split("\0")) {
            forms.add(f);
        }
        String trace = Files.readString(traceFile);
        int word = trace.indexOf("+ : ");
        int assign = trace.indexOf("+ x=");
        assertThat(word).as(trace).isNotNegative();
        assertThat(assign).as(trace).isGreaterThan(word);
        forms.add(trace.substring(word + 4, assign).stripTrailing());
        forms.add(trace.substring(assign + 4).stripTrailing());
        forms.removeIf(f -> f.length() < 8);
        return forms;
    }

    @ParameterizedTest
    @CsvSource({ "bash -x, ''", "bash, xtrace", "bash -x, xtrace:verbose" })
    void tracingTurnedOnByTheCallerPrintsNoValue(String launcher, String shellopts) throws Exception {
        Path work = dir("xtrace-" + launcher.replace(' ', '_') + "-" + shellopts.replace(':', '_'));
        Path data = dir("xtrace-data-" + launcher.replace(' ', '_') + "-" + shellopts.replace(':', '_'));
        Files.writeString(data.resolve(".env"), "FROM_DOTENV='@kv:dotenv-secret'\n");
        Map<String, String> env = containerEnv(data);
        if (!shellopts.isEmpty()) {
            env.put("SHELLOPTS", shellopts);
        }
        env.put("OUT", work.resolve("env.bin").toString());
        env.put("SPECIAL", "@kv:special");
        env.put("PINNED", "@kv:special/" + pinnedVersion);
        env.put("PLAIN", "@kv:plain-secret");
        Result r = finish(start(List.of(launcher.split(" ")), env, work, DUMP), work);

        assertThat(r.exit()).as(r.stderr()).isEqualTo(7);
        // the values did pass through the shell
        Map<String, String> got = readEnvDump(work.resolve("env.bin"));
        assertThat(got).containsEntry("SPECIAL", SPECIAL).containsEntry("PINNED", OLD_SPECIAL)
                .containsEntry("PLAIN", PLAIN_SECRET).containsEntry("FROM_DOTENV", DOTENV_SECRET);
        // and tracing was on when the script started (else this test could not fail)
        assertThat(r.stderr()).contains("+ set -euo pipefail");
        List<String> values = new ArrayList<>(VALUES);
        values.add(SPECIAL);
        for (int i = 0; i < values.size(); i++) {
            List<String> forms = List.copyOf(shellForms(values.get(i)));
            for (int f = 0; f < forms.size(); f++) {
                // the message names the value by position only: a report must not carry it either
                String where = "secret #" + i + ", form #" + f;
                assertThat(r.stdout().contains(forms.get(f))).as("stdout holds " + where).isFalse();
                assertThat(r.stderr().contains(forms.get(f))).as("stderr holds " + where).isFalse();
            }
        }
    }
}
