package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * Per-secret failures (not found, disabled, malformed reference) are all listed in ONE startup error, each with the
 * property, the secret and the reason; values that did resolve appear nowhere.
 */
class ResolutionFailuresTest {

    static final Vault VAULT = TestVaults.shared("failures", b -> b
            .secret("fail-good", "fail-good-value-42")
            .secret("fail-disabled", "fail-disabled-value-43"));
    static {
        disable(VAULT, "fail-disabled");
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(ResolutionFailuresTest.class, TestVaults.class, Vault.class))
            .overrideConfigKey("app.good", "@kv:fail-good")
            .overrideConfigKey("app.missing", "@kv:fail-missing")
            .overrideConfigKey("app.disabled", "@kv:fail-disabled")
            .overrideConfigKey("app.malformed", "@kv:not_a_valid_name")
            .assertException(Failures.resolutionFailure(m -> assertThat(m)
                    .contains("app.missing").contains("fail-missing").contains("not found")
                    .contains("app.disabled").contains("fail-disabled").contains("disabled")
                    .contains("app.malformed").contains("invalid reference")
                    .doesNotContain("app.good"),
                    "fail-good-value-42", "fail-disabled-value-43"));

    @Test
    void startupFails() {
        fail("startup must fail");
    }

    /** Disables the latest version through the REST API, as an operator would. */
    static void disable(Vault vault, String name) {
        try {
            KeyStore trust = KeyStore.getInstance("PKCS12");
            try (var in = Files.newInputStream(Path.of(vault.trustStorePath()))) {
                trust.load(in, vault.trustStorePassword().toCharArray());
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            HttpClient http = HttpClient.newBuilder().sslContext(ssl).build();
            String token = vault.issueToken();
            HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(vault.vaultUrl() + "/secrets/" + name
                    + "/?api-version=7.5")).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            String id = get.body().replaceAll("(?s).*\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
            String version = id.substring(id.lastIndexOf('/') + 1);
            HttpResponse<String> patch = http.send(HttpRequest.newBuilder(URI.create(vault.vaultUrl() + "/secrets/" + name
                    + "/" + version + "?api-version=7.5"))
                    .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                    .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"attributes\":{\"enabled\":false}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (patch.statusCode() != 200) {
                throw new IllegalStateException("disable failed: HTTP " + patch.statusCode());
            }
            vault.resetJournal();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
