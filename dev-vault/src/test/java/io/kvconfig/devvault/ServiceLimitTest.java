package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;
import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.security.keyvault.secrets.SecretClient;

/**
 * Key Vault's service limit (issue 15 item 3): one budget of secrets transactions per window per vault, shared by all
 * clients; beyond it 429 Throttled with Retry-After. A small budget here; counts come from the journal.
 */
class ServiceLimitTest {
    private DevVault vault;

    @BeforeEach
    void start() {
        vault = DevVault.builder().serviceLimits(5, Duration.ofSeconds(2)).build().start();
        vault.setSecret("fleet-secret", "fleet-value");
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    private SecretClient client(int retries) {
        HttpClient http = Sdk.httpClient(vault);
        return Sdk.builder(vault, Sdk.appServiceCredential(vault, http), http, retries).buildClient();
    }

    @Test
    void allClientsShareOneBudget() {
        SecretClient a = client(0);
        SecretClient b = client(0);
        for (int i = 0; i < 3; i++) {
            assertThat(a.getSecret("fleet-secret").getValue()).isEqualTo("fleet-value");
        }
        assertThat(b.getSecret("fleet-secret").getValue()).isEqualTo("fleet-value");
        assertThat(b.getSecret("fleet-secret").getValue()).isEqualTo("fleet-value");
        assertThatThrownBy(() -> b.getSecret("fleet-secret"))
                .isInstanceOfSatisfying(HttpResponseException.class, e -> {
                    assertThat(e.getResponse().getStatusCode()).isEqualTo(429);
                    assertThat(e.getMessage()).contains("Throttled").contains("VaultRequestTypeLimitReached")
                            .doesNotContain("fleet-value");
                    assertThat(Integer.parseInt(e.getResponse().getHeaderValue("Retry-After"))).isBetween(1, 2);
                });
        assertThatThrownBy(() -> a.setSecret("another", "x")).as("writes share the budget")
                .isInstanceOf(HttpResponseException.class);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(6);
        assertThat(vault.journal().count("Throttled")).isEqualTo(2);
        assertThat(vault.journal().count("ServiceLimitReached")).isEqualTo(2);
        // the 401 challenge round did not use the budget: 5 answered of 5
        assertThat(vault.journal().count("Challenge")).isPositive();
    }

    @Test
    void aClientHonouringRetryAfterGetsThroughOnceTheWindowHasRoom() {
        SecretClient patient = client(3);
        for (int i = 0; i < 5; i++) {
            patient.getSecret("fleet-secret");
        }
        vault.journal().reset();
        assertThat(patient.getSecret("fleet-secret").getValue()).isEqualTo("fleet-value");
        assertThat(vault.journal().entries()).extracting(Journal.Entry::status).startsWith(429).endsWith(200);
        assertThat(vault.journal().count("ServiceLimitReached")).isGreaterThanOrEqualTo(1);
    }

    @Test
    void wireShapeAndSwitchingItOff() {
        Raw raw = new Raw(vault);
        for (int i = 0; i < 5; i++) {
            assertThat(raw.get("/secrets/fleet-secret?api-version=7.6").statusCode()).isEqualTo(200);
        }
        HttpResponse<String> r = raw.get("/secrets/fleet-secret?api-version=7.6");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Raw.errorCode(r)).isEqualTo("Throttled");
        assertThat(r.headers().firstValue("Retry-After")).isPresent();

        vault.faults().clear();
        assertThat(vault.faults().serviceLimit()).as("clear() keeps the mode").isEqualTo(5);
        vault.faults().stopEnforcingServiceLimits();
        assertThat(raw.get("/secrets/fleet-secret?api-version=7.6").statusCode()).isEqualTo(200);
        assertThat(vault.faults().serviceLimit()).isZero();

        vault.faults().enforceServiceLimits();
        assertThat(vault.faults().serviceLimit()).isEqualTo(4_000);
        assertThat(vault.faults().serviceLimitWindow()).isEqualTo(Duration.ofSeconds(10));
        assertThat(DevVault.builder().serviceLimits(true).build().faults().serviceLimit()).isEqualTo(4_000);
        assertThat(DevVault.builder().build().faults().serviceLimit()).as("off by default").isZero();
        assertThatThrownBy(() -> vault.faults().enforceServiceLimits(0, Duration.ofSeconds(1)))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
