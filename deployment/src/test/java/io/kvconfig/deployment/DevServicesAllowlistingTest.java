package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * {@code quarkus.kvconfig.devservices.allowlisting=true} (the dev-mode default, see DevModeReloadTest) with nothing
 * else: the Dev Service sets the resource group as KEY_VAULT_RG would and {@code quarkus.kvconfig.firewall.when=on-refusal},
 * its vault's firewall denies by default, so the first request is refused, the app allowlists this machine through the
 * dev vault's Resource Manager, and the retry resolves.
 */
class DevServicesAllowlistingTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DevServicesAllowlistingTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.allowlisting", "true")
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.allowlisted", "allowlisted-value")
            .overrideConfigKey("app.secret", "@kv:allowlisted")
            // the dev vault logs each request it answers at DEBUG: the order and statuses are the journal's
            .overrideConfigKey("quarkus.log.category.\"io.kvconfig.devvault.DevVault\".level", "DEBUG")
            .setLogRecordPredicate(r -> "io.kvconfig.devvault.DevVault".equals(r.getLoggerName())
                    && r.getLevel().intValue() < Level.INFO.intValue())
            .assertLogRecords(DevServicesAllowlistingTest::refusedOnceThenAllowlistedThenRead);

    @ConfigProperty(name = "app.secret")
    String secret;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.resource-group")
    String resourceGroup;
    @ConfigProperty(name = "kvconfig.dev-vault.resource-group")
    String devVaultResourceGroup;
    @ConfigProperty(name = "quarkus.kvconfig.firewall.when")
    String when;
    @Inject
    KeyVault keyVault;

    @Test
    void allowlistedThroughTheDevVaultThenResolved() {
        assertThat(resourceGroup).isEqualTo(devVaultResourceGroup);
        assertThat(when).isEqualTo("on-refusal");
        assertThat(secret).isEqualTo("allowlisted-value");
        assertThat(keyVault.lastAllowlisting()).hasValueSatisfying(r -> {
            assertThat(r.ok()).as(r.message()).isTrue();
            assertThat(r.ip()).isEqualTo("203.0.113.10");
            // added, not "allows public traffic": the dev vault's firewall denied by default
            assertThat(r.added()).as(r.message()).isTrue();
        });
    }

    /** One refused read, then the echo and the rule's PATCH, then the read again, answered. */
    static void refusedOnceThenAllowlistedThenRead(List<LogRecord> records) {
        List<String> requests = DevServicesAllowlistingStartupTest.requests(records);
        List<String> reads = requests.stream().filter(l -> l.startsWith("GET /secrets/allowlisted") && l.endsWith("(GetSecret)"))
                .toList();
        assertThat(reads).as(requests.toString()).hasSize(2);
        assertThat(reads.get(0)).contains("-> 403");
        assertThat(reads.get(1)).contains("-> 200");
        assertThat(requests.stream().filter(l -> l.endsWith("(IpEcho)"))).hasSize(1);
        assertThat(requests.stream().filter(l -> l.endsWith("(VaultPatch)"))).hasSize(1);
        int refused = requests.indexOf(reads.get(0));
        int echo = DevServicesAllowlistingStartupTest.indexOf(requests, "(IpEcho)");
        int patch = DevServicesAllowlistingStartupTest.indexOf(requests, "(VaultPatch)");
        int read = requests.indexOf(reads.get(1));
        assertThat(refused).isLessThan(echo);
        assertThat(echo).isLessThan(patch);
        assertThat(patch).isLessThan(read);
    }
}
