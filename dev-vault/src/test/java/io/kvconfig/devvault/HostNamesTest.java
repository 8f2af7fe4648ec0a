package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Extra host names: the certificate names a Key Vault-style host (so a client can keep the SDK's challenge resource
 * verification on), and the journal shows whether a client ever handed over a token.
 */
class HostNamesTest {

    static final String KV_HOST = "kvtest.vault.azure.net";

    @TempDir
    Path dir;

    /** A TLS handshake with 127.0.0.1 that verifies the certificate against {@code host} (no name resolution). */
    static void handshake(DevVault vault, String host) throws IOException {
        try (Socket plain = new Socket("127.0.0.1", vault.httpsPort());
                SSLSocket tls = (SSLSocket) vault.clientSslContext().getSocketFactory()
                        .createSocket(plain, host, vault.httpsPort(), true)) {
            SSLParameters p = tls.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(host)));
            tls.setSSLParameters(p);
            tls.startHandshake();
        }
    }

    @Test
    void theCertificateNamesTheExtraHostAndNoOther() throws IOException {
        try (DevVault vault = DevVault.builder().hostNames(KV_HOST, "KVTEST.vault.azure.net").build().start()) {
            handshake(vault, KV_HOST);
            handshake(vault, "localhost");
            assertThatThrownBy(() -> handshake(vault, "other.vault.azure.net")).isInstanceOf(SSLHandshakeException.class);
            assertThat(vault.vaultUrl(KV_HOST)).isEqualTo("https://" + KV_HOST + ":" + vault.httpsPort());
            assertThat(vault.vaultUrl("localhost")).isEqualTo(vault.vaultUrl());
            assertThatThrownBy(() -> vault.vaultUrl("other.vault.azure.net"))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("other.vault.azure.net");
        }
    }

    @Test
    void withoutTheOptionTheHostIsNotNamed() throws IOException {
        try (DevVault vault = DevVault.builder().build().start()) {
            handshake(vault, "localhost");
            assertThatThrownBy(() -> handshake(vault, KV_HOST)).isInstanceOf(SSLHandshakeException.class);
            assertThatThrownBy(() -> vault.vaultUrl(KV_HOST)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void aSavedStateGetsANewServerCertificateUnderTheSameCa() throws IOException {
        Path state = dir.resolve("state.json");
        Path tls = dir.resolve("tls");
        String caPem;
        try (DevVault vault = DevVault.builder().stateFile(state).trustStoreDir(tls).build().start()) {
            caPem = Files.readString(vault.caCertificatePath());
        }
        try (DevVault vault = DevVault.builder().stateFile(state).trustStoreDir(tls).hostNames(KV_HOST).build().start()) {
            assertThat(Files.readString(vault.caCertificatePath())).as("clients that trust the CA keep trusting it")
                    .isEqualTo(caPem);
            handshake(vault, KV_HOST);
        }
        // and the reissued certificate was saved: the next start keeps it
        try (DevVault vault = DevVault.builder().stateFile(state).trustStoreDir(tls).hostNames(KV_HOST).build().start()) {
            handshake(vault, KV_HOST);
        }
    }

    @Test
    void badHostNamesAreRefused() {
        for (String bad : new String[] {"", "under_score.example", "-x.example", "x..example", "host:443", "single"}) {
            assertThatThrownBy(() -> DevVault.builder().hostNames(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a DNS host name");
        }
    }

    @Test
    void theJournalCountsRequestsThatCarriedAToken() {
        try (DevVault vault = DevVault.builder().build().start()) {
            Raw raw = new Raw(vault);
            assertThat(raw.send("GET", "/secrets/x?api-version=7.4", null, null).statusCode()).isEqualTo(401);
            assertThat(vault.journal().count("Challenge")).isEqualTo(1);
            assertThat(vault.journal().count("AuthorizationHeader")).isZero();
            // a token, even a rejected one, is counted: it was handed over
            assertThat(raw.send("GET", "/secrets/x?api-version=7.4", "not-a-token", null).statusCode()).isEqualTo(401);
            assertThat(vault.journal().count("AuthorizationHeader")).isEqualTo(1);
            assertThat(raw.send("GET", "/secrets/x?api-version=7.4", raw.vaultToken(), null).statusCode()).isEqualTo(404);
            assertThat(vault.journal().count("AuthorizationHeader")).isEqualTo(2);
        }
    }
}
