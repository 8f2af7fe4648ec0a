package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * An app's own {@code quarkus.kvconfig.firewall.when=startup} wins over the Dev Service's {@code on-refusal}: the app
 * allowlists before its first request, so the dev vault's firewall never refuses it (no firewall refusal is logged by
 * the dev vault).
 */
class DevServicesAllowlistingStartupTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DevServicesAllowlistingStartupTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.allowlisting", "true")
            .overrideConfigKey("quarkus.kvconfig.firewall.when", "startup")
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.startup-allowlisted", "startup-value")
            .overrideConfigKey("app.secret", "@kv:startup-allowlisted")
            // the dev vault logs each request it answers at DEBUG: the order and statuses are the journal's
            .overrideConfigKey("quarkus.log.category.\"io.kvconfig.devvault.DevVault\".level", "DEBUG")
            .setLogRecordPredicate(r -> "io.kvconfig.devvault.DevVault".equals(r.getLoggerName())
                    && r.getLevel().intValue() < Level.INFO.intValue())
            .assertLogRecords(DevServicesAllowlistingStartupTest::ruleWrittenBeforeTheFirstRead);

    @ConfigProperty(name = "app.secret")
    String secret;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.when")
    String when;
    @Inject
    KeyVault keyVault;

    @Test
    void allowlistedBeforeTheFirstRequest() {
        assertThat(when).isEqualTo("startup");
        assertThat(secret).isEqualTo("startup-value");
        assertThat(keyVault.lastAllowlisting()).hasValueSatisfying(r -> {
            assertThat(r.ok()).as(r.message()).isTrue();
            assertThat(r.added()).as(r.message()).isTrue();
        });
    }

    /** The dev vault's requests in the order it answered them (its DEBUG lines: "GET /path -> 200 (Operation)"). */
    static List<String> requests(List<LogRecord> records) {
        return records.stream().map(r -> r instanceof ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage())
                .filter(l -> l.contains(" -> ")).toList();
    }

    static void ruleWrittenBeforeTheFirstRead(List<LogRecord> records) {
        List<String> requests = requests(records);
        assertThat(requests).anyMatch(l -> l.endsWith("(VaultPatch)"))
                .anyMatch(l -> l.startsWith("GET /secrets/startup-allowlisted") && l.contains("-> 200"))
                .noneMatch(l -> l.contains("-> 403"));
        int patch = indexOf(requests, "(VaultPatch)");
        int get = indexOf(requests, "(GetSecret)");
        assertThat(patch).as("the rule is written before the secret is read").isLessThan(get);
    }

    static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
