package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import org.junit.jupiter.api.Test;

import com.azure.security.keyvault.secrets.SecretClient;
import com.azure.security.keyvault.secrets.models.SecretProperties;

/** The dev vault never logs, journals or echoes a secret value, even at the most verbose level. */
class NoSecretsInLogsTest {
    private static final String VALUE = "never-log-me-7f3a9c";

    @Test
    void valuesStayOutOfLogsJournalAndErrors() {
        Logger logger = Logger.getLogger(DevVault.class.getName());
        List<String> logged = new CopyOnWriteArrayList<>();
        Handler capture = new Handler() {
            @Override
            public void publish(LogRecord r) {
                logged.add(r.getMessage() + (r.getThrown() == null ? "" : " " + r.getThrown()));
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Level before = logger.getLevel();
        logger.setLevel(Level.ALL);
        logger.addHandler(capture);
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream console = new ByteArrayOutputStream();
        try (DevVault vault = DevVault.builder().build().start()) {
            System.setOut(new PrintStream(console, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(console, true, StandardCharsets.UTF_8));
            SecretClient client = Sdk.secretClient(vault);
            client.setSecret("logged-secret", VALUE);
            assertThat(client.getSecret("logged-secret").getValue()).isEqualTo(VALUE);
            client.listPropertiesOfSecrets().forEach(p -> { });
            SecretProperties props = client.getSecret("logged-secret").getProperties();
            client.updateSecretProperties(props.setEnabled(false));
            assertThatThrownBy(() -> client.getSecret("logged-secret")).hasMessageNotContaining(VALUE);
            Raw raw = new Raw(vault);
            raw.send("PUT", "/secrets/logged-secret?api-version=7.4", raw.vaultToken(), "{\"value\":\"" + VALUE + "\" broken");
            raw.send("PUT", "/secrets/bad_name?api-version=7.4", raw.vaultToken(), "{\"value\":\"" + VALUE + "\"}");
            vault.faults().failNext(1, 500);
            raw.send("PUT", "/secrets/other?api-version=7.4", raw.vaultToken(), "{\"value\":\"" + VALUE + "\"}");

            assertThat(logged).as("debug logging is on, so there is something to check").isNotEmpty();
            assertThat(logged).noneMatch(m -> m.contains(VALUE));
            assertThat(vault.journal().entries().toString()).doesNotContain(VALUE);
            assertThat(vault.journal().toString()).doesNotContain(VALUE);
            assertThat(vault.toString()).doesNotContain(VALUE);
        } finally {
            System.setOut(out);
            System.setErr(err);
            logger.removeHandler(capture);
            logger.setLevel(before);
        }
        assertThat(console.toString(StandardCharsets.UTF_8)).doesNotContain(VALUE);
    }
}
