package io.kvconfig.service;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.dotenv.DotEnvFormat;

/**
 * The whole write_env flow across a restart, with the packaged service as fresh processes (prod mode, no Dev
 * Service): the first process saves a new ADMIN_SECRET through the API, the second process starts on that
 * {@code .env} and accepts only the new secret. The vault runs in this JVM; the service finds it through
 * {@code KEY_VAULT_URL} in {@code .env} (the original design's name) and the extension's env vars.
 */
class RestartIT {

    static final String OLD_ADMIN = "old-admin-secret-RESTART-1";
    static final String NEW_ADMIN = "new-admin-secret-RESTART-2-'$\"x";
    static final String GITHUB = "ghp_restartTESTtoken_3";

    @TempDir
    Path dir;

    private DevVault vault;
    private Process process;
    private final StringBuilder output = new StringBuilder();

    @AfterEach
    void stop() throws Exception {
        stopService();
        if (vault != null) {
            vault.close();
        }
    }

    @Test
    void newAdminSecretIsTheOneAcceptedAfterARestart() throws Exception {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(dir.resolve("tls")).build().start();
        vault.setSecret("admin-secret", OLD_ADMIN);
        Path work = Files.createDirectories(dir.resolve("app"));
        Path env = work.resolve(".env");
        Files.writeString(env, "# service settings\nKEY_VAULT_URL=" + vault.vaultUrl() + "\n"
                + "ADMIN_SECRET=@kv:admin-secret\n\n# plain\nGREETING='hello world'\n");

        int port = startService(work, Map.of());
        String saved = given().port(port).header("Authorization", "Bearer " + OLD_ADMIN).contentType("application/json")
                .body("{\"ADMIN_SECRET\":" + Api.q(NEW_ADMIN) + ",\"GITHUB_TOKEN\":" + Api.q(GITHUB) + ",\"GREETING\":\"hi\"}")
                .put("/api/settings").then().statusCode(200).body("restartRequired", equalTo(true))
                .body("changes[0].reference", equalTo("@kv:admin-secret")).extract().asString();
        assertThat(LeakCheck.findLeak(saved, List.of(OLD_ADMIN, NEW_ADMIN, GITHUB))).as("the PUT's answer").isEmpty();
        // restart required: the running process still uses the secret it started with
        given().port(port).header("Authorization", "Bearer " + OLD_ADMIN).get("/api/settings").then().statusCode(200);
        assertThat(vault.secretValue("admin-secret")).contains(NEW_ADMIN);
        assertThat(vault.secretValue("github-token")).contains(GITHUB);
        String text = Files.readString(env);
        assertThat(text).isEqualTo("# service settings\nKEY_VAULT_URL=" + vault.vaultUrl() + "\n"
                + "ADMIN_SECRET=@kv:admin-secret\n\n# plain\nGREETING=hi\nGITHUB_TOKEN=@kv:github-token\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(env))).isEqualTo("rw-------");
        stopService();

        // bash reads the same file the same way (the container entrypoint sources it)
        Process bash = new ProcessBuilder("bash", "-c", "set -a; . ./.env; printf '%s|%s|%s' \"$ADMIN_SECRET\" \"$GITHUB_TOKEN\" \"$GREETING\"")
                .directory(work.toFile()).start();
        assertThat(new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                .isEqualTo("@kv:admin-secret|@kv:github-token|hi");
        assertThat(DotEnvFormat.parse(text).get("GREETING")).contains("hi");

        // a secret setting referenced only in the environment is listed too, with its source
        port = startService(work, Map.of("AZURE_OPENAI_API_KEY", "@kv:github-token"));
        String listed = given().port(port).header("Authorization", "Bearer " + NEW_ADMIN).get("/api/settings").then()
                .statusCode(200)
                .body("settings.find { it.key == 'GITHUB_TOKEN' }.reference", equalTo("@kv:github-token"))
                .body("settings.find { it.key == 'GITHUB_TOKEN' }.value", equalTo(null))
                .body("settings.find { it.key == 'GITHUB_TOKEN' }.source", equalTo("env-file"))
                .body("settings.find { it.key == 'AZURE_OPENAI_API_KEY' }.reference", equalTo("@kv:github-token"))
                .body("settings.find { it.key == 'AZURE_OPENAI_API_KEY' }.secret", equalTo(true))
                .body("settings.find { it.key == 'AZURE_OPENAI_API_KEY' }.value", equalTo(null))
                .body("settings.find { it.key == 'AZURE_OPENAI_API_KEY' }.source", equalTo("environment"))
                .extract().asString();
        // in every form a secret can take (NEW_ADMIN's quote is JSON-escaped in a body: a raw search cannot see it)
        assertThat(LeakCheck.findLeak(listed, List.of(OLD_ADMIN, NEW_ADMIN, GITHUB))).as("the listing").isEmpty();
        // every field of the two listed secrets
        assertThat(given().port(port).header("Authorization", "Bearer " + NEW_ADMIN).get("/api/settings").jsonPath()
                .getList("settings", Map.class)).contains(
                        WriteEnvFlowTest.setting("ADMIN_SECRET", true, "@kv:admin-secret", null, "env-file"),
                        WriteEnvFlowTest.setting("GITHUB_TOKEN", true, "@kv:github-token", null, "env-file"),
                        WriteEnvFlowTest.setting("AZURE_OPENAI_API_KEY", true, "@kv:github-token", null, "environment"),
                        WriteEnvFlowTest.setting("GREETING", false, null, "hi", "env-file"));
        given().port(port).header("Authorization", "Bearer " + OLD_ADMIN).get("/api/settings").then().statusCode(401);
        given().port(port).header("Authorization", "Bearer " + NEW_ADMIN).get("/api/keyvault/status").then()
                .statusCode(200).body("reachable", equalTo(true));
        stopService();

        assertThat(LeakCheck.findLeak(output.toString(), List.of(OLD_ADMIN, NEW_ADMIN, GITHUB))).as("service output")
                .isEmpty();
        assertThat(output.toString()).contains("Key Vault");
    }

    private int startService(Path work, Map<String, String> extraEnv) throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        String jar = System.getProperty("service.jar", Path.of("target", "quarkus-app", "quarkus-run.jar").toAbsolutePath().toString());
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar)
                .directory(work.toFile()).redirectErrorStream(true);
        Map<String, String> e = pb.environment();
        e.put("QUARKUS_HTTP_PORT", Integer.toString(port));
        e.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT", vault.identityEndpoint());
        e.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_HEADER", vault.identityHeader());
        e.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE", vault.trustStorePath().toString());
        e.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD", vault.trustStorePassword());
        e.put("QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION", "false");
        e.putAll(extraEnv);
        process = pb.start();
        Thread reader = new Thread(() -> {
            try {
                byte[] buffer = new byte[8192];
                for (int n; (n = process.getInputStream().read(buffer)) > 0;) {
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
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (System.nanoTime() < deadline) {
            assertThat(process.isAlive()).as("service process exited: %s", output).isTrue();
            try {
                HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/health")).build(),
                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return port;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new AssertionError("service did not start: " + output);
    }

    private void stopService() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy(); // SIGTERM: Quarkus shuts down gracefully
            if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(30, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
        process = null;
    }
}
