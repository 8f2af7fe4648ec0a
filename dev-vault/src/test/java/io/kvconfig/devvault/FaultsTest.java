package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.security.keyvault.secrets.SecretClient;

/** Every fault mode through the real SDK and its retry policy; counts come from the journal. */
class FaultsTest {
    private static DevVault vault;
    private static SecretClient retrying;
    private static SecretClient fewRetries;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().build().start();
        vault.setSecret("conn-string", "fault-test-value");
        HttpClient http = Sdk.httpClient(vault);
        TokenCredential credential = Sdk.appServiceCredential(vault, http);
        retrying = Sdk.builder(vault, credential, http, 3).buildClient();
        fewRetries = Sdk.builder(vault, credential, http, 1).buildClient();
        // warm up: token and challenge done before the counted requests
        assertThat(retrying.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        assertThat(fewRetries.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.faults().clear();
        vault.journal().reset();
    }

    @Test
    void sdkRetryHonoursRetryAfterAndRecoversFromThrottling() {
        vault.faults().throttleNext(2, 1);
        assertThat(retrying.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        assertThat(vault.journal().count("Throttled")).isEqualTo(2);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(3);
        assertThat(vault.journal().entries()).extracting(Journal.Entry::status).containsExactly(429, 429, 200);
    }

    @Test
    void throttlingBeyondTheRetryBudgetSurfacesAs429() {
        vault.faults().throttleNext(5, 0);
        assertThatThrownBy(() -> fewRetries.getSecret("conn-string"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(429);
                    assertThat(e.getResponse().getHeaderValue("Retry-After")).isEqualTo("0");
                    assertThat(e.getMessage()).contains("Throttled");
                });
        assertThat(vault.journal().count("GetSecret")).isEqualTo(2);
    }

    @Test
    void throttlingWithoutRetryAfterLeavesTheBackoffToTheClient() {
        vault.faults().throttleNextWithoutRetryAfter(2);
        assertThat(retrying.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        assertThat(vault.journal().entries()).extracting(Journal.Entry::status).containsExactly(429, 429, 200);
        assertThat(vault.journal().count("Throttled")).isEqualTo(2);
        assertThat(vault.journal().count("ThrottledWithoutRetryAfter")).isEqualTo(2);

        vault.faults().throttleNextWithoutRetryAfter(5);
        assertThatThrownBy(() -> fewRetries.getSecret("conn-string"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(429);
                    assertThat(e.getResponse().getHeaderValue("Retry-After")).isNull();
                    assertThat(e.getMessage()).contains("Throttled").contains("Reason: VaultRequestTypeLimitReached");
                });

        // on the wire: the error body, no Retry-After header at all
        vault.faults().throttleNextWithoutRetryAfter(1);
        java.net.http.HttpResponse<String> raw = new Raw(vault).get("/secrets/conn-string?api-version=7.6");
        assertThat(raw.statusCode()).isEqualTo(429);
        assertThat(raw.headers().firstValue("Retry-After")).isEmpty();
        assertThat(Raw.errorCode(raw)).isEqualTo("Throttled");

        // the rate limit can leave it out too
        vault.faults().clear().throttleAboveWithoutRetryAfter(1, Duration.ofSeconds(30));
        assertThat(fewRetries.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        assertThatThrownBy(() -> fewRetries.getSecret("conn-string"))
                .isInstanceOfSatisfying(HttpResponseException.class,
                        e -> assertThat(e.getResponse().getHeaderValue("Retry-After")).isNull());
        // and the header comes back with throttleNext
        vault.faults().clear().throttleNext(1, 0);
        assertThat(new Raw(vault).get("/secrets/conn-string?api-version=7.6").headers().firstValue("Retry-After"))
                .contains("0");
    }

    @Test
    void rateLimitThrottlesRequestsAboveTheRate() {
        vault.faults().throttleAbove(3, Duration.ofSeconds(30), 0);
        for (int i = 0; i < 3; i++) {
            assertThat(fewRetries.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        }
        assertThatThrownBy(() -> fewRetries.getSecret("conn-string"))
                .isInstanceOfSatisfying(HttpResponseException.class,
                        e -> assertThat(e.getResponse().getStatusCode()).isEqualTo(429));
        assertThat(vault.journal().count("Throttled")).isEqualTo(2);
        vault.faults().throttleAbove(0, Duration.ofSeconds(1), 0);
        assertThat(fewRetries.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
    }

    @Test
    void serverErrorsAreRetriedThenSurface() {
        vault.faults().failNext(2, 503);
        assertThat(retrying.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        assertThat(vault.journal().count("InjectedFailure")).isEqualTo(2);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(3);

        vault.faults().failNext(5, 500);
        assertThatThrownBy(() -> fewRetries.getSecret("conn-string"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(500);
                    assertThat(e.getMessage()).contains("InternalServerError").doesNotContain("fault-test-value");
                });
    }

    @Test
    void droppedConnectionIsRetriedOrSurfacesAsTheSdkError() {
        vault.faults().dropNext(1);
        assertThat(retrying.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        assertThat(vault.journal().count("DroppedConnection")).isEqualTo(1);

        vault.journal().reset();
        vault.faults().dropNext(50);
        assertThatThrownBy(() -> fewRetries.getSecret("conn-string"))
                .isInstanceOf(RuntimeException.class)
                .isNotInstanceOf(HttpResponseException.class)
                .satisfies(e -> assertThat(rootCause(e)).isInstanceOf(java.io.IOException.class));
        assertThat(vault.journal().count("DroppedConnection")).isGreaterThanOrEqualTo(2);

        vault.faults().clear();
        assertThat(fewRetries.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
    }

    @Test
    void latencyIsAddedButRequestsStillSucceed() {
        vault.faults().randomLatency(Duration.ofMillis(5), Duration.ofMillis(25));
        for (int i = 0; i < 3; i++) {
            assertThat(retrying.getSecret("conn-string").getValue()).isEqualTo("fault-test-value");
        }
        assertThat(vault.journal().count("GetSecret")).isEqualTo(3);
        assertThatThrownBy(() -> vault.faults().randomLatency(Duration.ofMillis(5), Duration.ofMillis(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Throwable rootCause(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        return c;
    }
}
