package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.security.keyvault.secrets.SecretClient;

/**
 * Azure's front ends drop idle HTTP/2 connections without notice (issue 15 item 8): a pooled real SecretClient (HTTP/2
 * over the JDK client) must open a new connection for its next call and succeed.
 */
class IdleConnectionTest {
    private DevVault vault;
    private SecretClient client;

    @BeforeEach
    void start() {
        vault = DevVault.builder().build().start();
        vault.setSecret("pooled", "pooled-value");
        com.azure.core.http.HttpClient http = Sdk.http2Client(vault);
        client = Sdk.builder(vault, Sdk.appServiceCredential(vault, Sdk.httpClient(vault)), http, 3).buildClient();
        assertThat(client.getSecret("pooled").getValue()).isEqualTo("pooled-value");
        assertThat(vault.journal().http2Requests()).as("the SDK client talks HTTP/2").isPositive();
        vault.journal().reset();
    }

    @AfterEach
    void stop() {
        vault.close();
    }

    @Test
    void plainCloseOfAnIdleConnection() {
        assertThat(vault.faults().closeIdleConnections(false)).isEqualTo(1);
        assertRecovers();
    }

    @Test
    void goAwayOnAnIdleConnection() {
        assertThat(vault.faults().closeIdleConnections(true)).isEqualTo(1);
        assertRecovers();
    }

    @Test
    void idleTimeoutClosesConnectionsThatStayIdle() throws InterruptedException {
        vault.faults().idleConnectionTimeout(Duration.ofMillis(100), false);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (vault.journal().count("IdleConnectionClosed") == 0) {
            assertThat(System.nanoTime()).as("closed within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        assertRecovers();
        vault.faults().clear();
        assertThat(vault.faults().closeIdleConnections(false)).as("clear() stops the timer, the new one stays")
                .isEqualTo(1);
    }

    @Test
    void aBusyConnectionIsNotIdle() {
        vault.faults().latency(Duration.ofMillis(500));
        Thread caller = new Thread(() -> client.getSecret("pooled"));
        caller.start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (vault.journal().maxInFlight() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(vault.faults().closeIdleConnections(false)).isZero();
            caller.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        assertThat(vault.journal().count("IdleConnectionClosed")).isZero();
    }

    private void assertRecovers() {
        assertThat(vault.journal().count("IdleConnectionClosed")).isGreaterThanOrEqualTo(1);
        assertThat(client.getSecret("pooled").getValue()).isEqualTo("pooled-value");
        // one new connection carried the call; the server saw the GET once (a request written to the dead
        // connection never arrived: the SDK's retry or the client's own reconnect sent it again)
        assertThat(vault.journal().connections()).isEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        assertThat(client.getSecret("pooled").getValue()).isEqualTo("pooled-value");
        assertThat(vault.journal().connections()).as("the new connection is pooled").isEqualTo(1);
    }
}
