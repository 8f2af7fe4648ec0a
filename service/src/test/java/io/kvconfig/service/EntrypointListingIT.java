package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The service as the container runs it: {@code src/main/docker/entrypoint.sh} over the packaged app
 * (target/quarkus-app) resolves the {@code .env} references into the server's environment, then execs the server.
 * The dev vault runs as its own process. A {@code .env} reference under a key that is not one of the secret keys
 * ({@code DB_PASSWORD}, the README's example) must still be listed as secret, with its reference and no value,
 * although the environment (ordinal 300) now holds the resolved value.
 */
class EntrypointListingIT {

    static final String ADMIN = "admin-ENTRYPOINT-listing-9f2c";
    // JSON-escaped, URL-encoded and shell-quoted differently from its raw form: every encoding is searched
    static final String DB = "db-\"pa\\ss\"/word\nsecond-line-é-42";

    @TempDir
    Path dir;

    private Process vault;
    private Process service;
    private final StringBuilder output = new StringBuilder();

    @AfterEach
    void stop() throws Exception {
        for (Process p : new Process[] { service, vault }) {
            if (p != null && p.isAlive()) {
                p.destroy();
                if (!p.waitFor(30, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
                }
            }
        }
    }

    @Test
    void aReferenceOutsideTheSecretKeysIsListedAsSecretWithItsReferenceAndNoValue() throws Exception {
        Map<String, String> vaultEnv = startDevVault();
        Path data = Files.createDirectories(dir.resolve("data"));
        Files.writeString(data.resolve(".env"), "# service settings\nKEY_VAULT_URL=" + vaultEnv.get("KEY_VAULT_URL") + "\n"
                + "ADMIN_SECRET=@kv:admin-secret\nDB_PASSWORD=@kv:db-password\nGREETING='hello world'\n");

        int port = startServiceThroughEntrypoint(data, vaultEnv);
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest
                .newBuilder(URI.create("http://localhost:" + port + "/api/settings"))
                .header("Authorization", "Bearer " + ADMIN).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as("GET /api/settings with the resolved admin secret").isEqualTo(200);
        String body = answer.body();
        Map<String, JsonNode> settings = new HashMap<>();
        for (JsonNode s : new ObjectMapper().readTree(body).get("settings")) {
            settings.put(s.get("key").asText(), s);
        }

        // assertions name fields, never print them: a wrong answer may hold a secret
        JsonNode db = settings.get("DB_PASSWORD");
        assertThat(db).as("DB_PASSWORD is listed").isNotNull();
        assertThat(db.get("value").isNull()).as("DB_PASSWORD is listed without a value (it is a @kv: reference in .env)")
                .isTrue();
        assertThat(db.get("secret").asBoolean()).as("DB_PASSWORD is listed as secret").isTrue();
        assertThat(db.get("reference").isTextual() && db.get("reference").asText().equals("@kv:db-password"))
                .as("DB_PASSWORD is listed with its reference @kv:db-password").isTrue();

        JsonNode admin = settings.get("ADMIN_SECRET");
        assertThat(admin).as("ADMIN_SECRET is listed").isNotNull();
        assertThat(admin.get("value").isNull()).as("ADMIN_SECRET is listed without a value").isTrue();
        assertThat(admin.get("secret").asBoolean()).as("ADMIN_SECRET is listed as secret").isTrue();
        assertThat(admin.get("reference").isTextual() && admin.get("reference").asText().equals("@kv:admin-secret"))
                .as("ADMIN_SECRET is listed with its reference @kv:admin-secret").isTrue();

        JsonNode greeting = settings.get("GREETING");
        assertThat(greeting.get("secret").asBoolean()).isFalse();
        assertThat(greeting.get("reference").isNull()).isTrue();
        assertThat(greeting.get("value").asText()).isEqualTo("hello world");

        assertNoForm("the listing", body);
        stopService();
        String console;
        synchronized (output) {
            console = output.toString();
        }
        // the entrypoint resolved both references (the resolver's one summary line), and printed no value
        assertThat(console).contains("Key Vault: resolved 2 references to 2 secrets");
        assertNoForm("the console (entrypoint, resolver and server)", console);
    }

    /** Every form a test secret can take in a text: raw, JSON-escaped, URL-encoded, base64 (any alignment). */
    static Set<String> forms(String secret) throws Exception {
        Set<String> forms = new LinkedHashSet<>();
        forms.add(secret);
        String json = new ObjectMapper().writeValueAsString(secret);
        forms.add(json.substring(1, json.length() - 1));
        forms.add(URLEncoder.encode(secret, StandardCharsets.UTF_8));
        forms.add(URLEncoder.encode(secret, StandardCharsets.UTF_8).replace("+", "%20"));
        for (String line : secret.split("\n")) {
            if (line.length() >= 8) {
                forms.add(line);
            }
        }
        for (Base64.Encoder enc : List.of(Base64.getEncoder(), Base64.getUrlEncoder())) {
            for (int shift = 0; shift < 3; shift++) {
                String encoded = enc.withoutPadding().encodeToString(("xx".substring(0, shift) + secret).getBytes(StandardCharsets.UTF_8));
                // drop the groups that mix in the shift bytes or what follows the secret
                forms.add(encoded.substring(shift == 0 ? 0 : 4, encoded.length() - 4));
            }
        }
        forms.removeIf(f -> f.length() < 8);
        return forms;
    }

    static void assertNoForm(String where, String text) throws Exception {
        List<String> secrets = List.of(ADMIN, DB);
        for (int i = 0; i < secrets.size(); i++) {
            List<String> forms = new ArrayList<>(forms(secrets.get(i)));
            for (int f = 0; f < forms.size(); f++) {
                assertThat(text.contains(forms.get(f))).as("%s holds test secret #%d in form #%d", where, i, f).isFalse();
            }
        }
    }

    static Path repositoryRoot() {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("src/main/docker/entrypoint.sh"))) {
            root = root.getParent();
        }
        assertThat(root).as("repository root with src/main/docker/entrypoint.sh").isNotNull();
        return root;
    }

    static String javaHome() {
        return System.getProperty("java.home");
    }

    /** DevVaultMain as its own JVM, seeded on the command line; returns the environment its banner prints. */
    private Map<String, String> startDevVault() throws Exception {
        String classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path vaultDir = Files.createDirectories(dir.resolve("vault"));
        vault = new ProcessBuilder(Path.of(javaHome(), "bin", "java").toString(), "-cp", classpath,
                "io.kvconfig.devvault.DevVaultMain", "--https-port", "0", "--token-port", "0",
                "--trust-store-dir", vaultDir.resolve("trust").toString(),
                "--secret", "admin-secret=" + ADMIN, "--secret", "db-password=" + DB)
                .redirectError(vaultDir.resolve("dev-vault.err").toFile()).start();
        Map<String, String> env = new HashMap<>();
        BufferedReader out = new BufferedReader(new InputStreamReader(vault.getInputStream(), StandardCharsets.UTF_8));
        for (String line; (line = out.readLine()) != null;) {
            if (line.startsWith("export ")) {
                int eq = line.indexOf('=');
                env.put(line.substring(7, eq), line.substring(eq + 1));
                if (line.startsWith("export KEY_VAULT_NAME=")) {
                    break;
                }
            }
        }
        assertThat(env).as("dev vault banner; stderr: %s", Files.readString(vaultDir.resolve("dev-vault.err")))
                .containsKeys("KEY_VAULT_URL", "IDENTITY_ENDPOINT", "QUARKUS_KVCONFIG_TLS_TRUST_STORE");
        Thread drain = new Thread(() -> {
            try {
                out.transferTo(java.io.Writer.nullWriter());
            } catch (IOException ignored) {
                // ended
            }
        });
        drain.setDaemon(true);
        drain.start();
        return env;
    }

    /** bash entrypoint.sh, no arguments: it resolves, then execs java -jar quarkus-run.jar (in data, its .env). */
    private int startServiceThroughEntrypoint(Path data, Map<String, String> vaultEnv) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Path appHome = Path.of(System.getProperty("service.jar", "target/quarkus-app/quarkus-run.jar")).toAbsolutePath()
                .getParent();
        ProcessBuilder pb = new ProcessBuilder("bash", repositoryRoot().resolve("src/main/docker/entrypoint.sh").toString())
                .directory(data.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.clear(); // a container's environment: nothing of this JVM's
        e.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
        e.put("JAVA_HOME", javaHome());
        e.put("APP_HOME", appHome.toString());
        e.put("DATA_DIR", data.toString());
        e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        // the resolver's credential chain (App Service / Container Apps style) and the server's extension settings
        for (String name : List.of("IDENTITY_ENDPOINT", "IDENTITY_HEADER", "QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT",
                "QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_HEADER", "QUARKUS_KVCONFIG_TLS_TRUST_STORE",
                "QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD", "QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION")) {
            e.put(name, vaultEnv.get(name));
        }
        service = pb.start();
        Thread reader = new Thread(() -> {
            try {
                byte[] buffer = new byte[8192];
                for (int n; (n = service.getInputStream().read(buffer)) > 0;) {
                    synchronized (output) {
                        output.append(new String(buffer, 0, n, StandardCharsets.UTF_8));
                    }
                }
            } catch (IOException ignored) {
                // process ended
            }
        });
        reader.setDaemon(true);
        reader.start();
        HttpClient client = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!service.isAlive()) {
                synchronized (output) {
                    // the console is searched for the secrets before it is shown
                    assertNoForm("the console", output.toString());
                    throw new AssertionError("the entrypoint or the service exited (" + service.exitValue() + "): " + output);
                }
            }
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return port;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        synchronized (output) {
            assertNoForm("the console", output.toString());
            throw new AssertionError("service did not start: " + output);
        }
    }

    private void stopService() throws InterruptedException {
        if (service != null && service.isAlive()) {
            service.destroy(); // SIGTERM: the server replaced the entrypoint's shell (exec)
            if (!service.waitFor(30, TimeUnit.SECONDS)) {
                service.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }
}
