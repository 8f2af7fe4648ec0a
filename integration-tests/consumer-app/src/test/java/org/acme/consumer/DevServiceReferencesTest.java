package org.acme.consumer;

import static io.restassured.RestAssured.when;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.ReferenceStatus;
import io.quarkus.test.junit.QuarkusTest;

/**
 * The app as a user writes it, in test mode with no vault configured: the extension's Dev Service starts the dev vault
 * in the JVM, seeded from {@code quarkus.kvconfig.devservices.secrets}, and the app's references resolve from it into
 * a {@code @ConfigMapping} member and a {@code @ConfigProperty}. Run twice by CI: as is, and with the profile
 * {@code with-quarkus-devservices} (another extension brings Quarkus's own Dev Services extension).
 */
@QuarkusTest
class DevServiceReferencesTest {

    static final String API_KEY = "dev-api-key-4711";
    static final String TOKEN = "dev-greeting-token-0815";

    @Inject
    ApiSettings api;

    @ConfigProperty(name = "greeting.token")
    String token;

    @ConfigProperty(name = "quarkus.kvconfig.url")
    String vaultUrl;

    @Inject
    KeyVault keyVault;

    @Test
    void referencesResolveFromTheDevServiceVault() {
        assertTrue(vaultUrl.startsWith("https://localhost:"), "the Dev Service's vault, not a configured one: " + vaultUrl);
        assertEquals(API_KEY, api.key());
        assertEquals("consumer-app", api.name());
        assertEquals(TOKEN, token);

        Map<String, ReferenceStatus> byProperty = keyVault.references().stream()
                .collect(Collectors.toMap(ReferenceStatus::property, r -> r));
        assertEquals(ReferenceStatus.Status.RESOLVED, byProperty.get("consumer.api.key").status());
        assertEquals("consumer-api-key", byProperty.get("consumer.api.key").secretName());
        assertEquals(ReferenceStatus.Status.RESOLVED, byProperty.get("greeting.token").status());
        assertEquals(vaultUrl, byProperty.get("greeting.token").vaultUrl());
    }

    @Test
    void theAppUsesTheValuesWithoutShowingThem() {
        when().get("/greeting").then().statusCode(200)
                .body(equalTo("Hello from consumer-app (api key: " + API_KEY.length() + " characters, token: "
                        + TOKEN.length() + " characters)"));
    }

    /** What the user sees on start: no WARN or ERROR, no container tooling the extension does not need, no secret. */
    @Test
    void firstScreenIsClean() throws IOException {
        String thisJvm = ProcessHandle.current().pid() + " ";
        List<String> log = Files.readAllLines(Path.of("target", "quarkus-test.log")).stream()
                .filter(l -> l.startsWith(thisJvm)).toList();
        List<String> features = log.stream().filter(l -> l.contains("Installed features: [")).toList();
        assertEquals(1, features.size(), "one start in this JVM: " + features);
        assertTrue(features.get(0).contains("kvconfig"), features.get(0));
        if (Boolean.getBoolean("consumer.with-quarkus-devservices")) {
            // the app's own choice here (its datasource brings Quarkus's Dev Services extension): proves the profile
            assertTrue(features.get(0).contains("compose"), features.get(0));
        } else {
            assertFalse(features.get(0).contains("compose"), "the extension must not bring the compose feature: "
                    + features.get(0));
        }
        // not Vert.x's blocked-thread warning: a timer that a loaded machine trips (timings are not tested)
        assertEquals(List.of(), log.stream().filter(l -> l.matches(".*\\s(WARN|ERROR)\\s+\\[.*")
                && !l.contains("[io.vertx.core.impl.BlockedThreadChecker]")).toList());
        assertEquals(List.of(), log.stream().filter(l -> l.contains(API_KEY) || l.contains(TOKEN)).toList(),
                "no secret value in the log");
    }
}
