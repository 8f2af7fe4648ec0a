package io.kvconfig.service;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** 50 concurrent PUTs of different keys (half of them secrets): all present afterwards, the file parses. */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
@ExtendWith(LeakCheck.class)
class ConcurrencyTest {

    @TestHTTPResource("/api/settings")
    URI settings;

    @BeforeEach
    void reset() {
        TestVault.reset();
    }

    @Test
    void fiftyConcurrentPutsOfDifferentKeys() throws Exception {
        // keys holding a reference are secrets: C_0..C_24 go to Key Vault, P_0..P_24 are plain
        StringBuilder seed = new StringBuilder(TestVault.BASELINE);
        for (int i = 0; i < 25; i++) {
            seed.append("C_").append(i).append("=@kv:c-").append(i).append('\n');
        }
        Files.writeString(TestVault.envFile, seed.toString());
        HttpClient client = HttpClient.newHttpClient();
        List<CompletableFuture<HttpResponse<String>>> responses = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            String key = (i % 2 == 0 ? "C_" : "P_") + (i / 2);
            String value = i % 2 == 0 ? LeakCheck.secret("concurrent-secret-" + i + "-'$x") : "plain value " + i;
            HttpRequest request = HttpRequest.newBuilder(settings)
                    .header("Authorization", "Bearer " + TestVault.ADMIN_SECRET)
                    .header("Content-Type", "application/json")
                    .PUT(HttpRequest.BodyPublishers.ofString("{\"" + key + "\":" + Api.q(value) + "}")).build();
            responses.add(client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
        }
        for (CompletableFuture<HttpResponse<String>> response : responses) {
            HttpResponse<String> r = response.get(60, java.util.concurrent.TimeUnit.SECONDS);
            LeakCheck.body(r.body());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        Map<String, String> values = DotEnvFormat.parse(Files.readString(TestVault.envFile)).values();
        for (int i = 0; i < 50; i++) {
            if (i % 2 == 0) {
                assertThat(values).containsEntry("C_" + (i / 2), "@kv:c-" + (i / 2));
                assertThat(TestVault.vault.secretValue("c-" + (i / 2))).contains("concurrent-secret-" + i + "-'$x");
            } else {
                assertThat(values).containsEntry("P_" + (i / 2), "plain value " + i);
            }
        }
        assertThat(values).containsEntry("ADMIN_SECRET", "@kv:admin-secret").containsEntry("GREETING", "hello world");
        assertThat(Files.readString(TestVault.envFile)).startsWith("# kvconfig service settings (test)\n");
        assertThat(TestVault.vault.journal().count("SetSecret")).isEqualTo(25);
    }
}
