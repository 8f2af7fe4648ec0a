package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.UUID;
import java.util.logging.Level;

import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.quarkus.test.QuarkusUnitTest;

/**
 * A reference to a secret the dev vault's state does not hold (its state was deleted while the .env kept the
 * reference): before startup fails on it, the Dev Service logs ONE warning naming the secret, the property, the state
 * file and the one step that resets the state and the references together. Never a value.
 */
class DevServicesMissingSecretTest {

    static final Path STATE = Path.of("target", "ds-missing-" + UUID.randomUUID(), "state.json").toAbsolutePath();

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClass(DevServicesMissingSecretTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.state-file", STATE.toString())
            .overrideConfigKey("quarkus.kvconfig.devservices.secrets.seeded-one", "seeded-value-77")
            .overrideConfigKey("app.seeded", "@kv:seeded-one")
            .overrideConfigKey("app.token", "@kv:github-token")
            .setLogRecordPredicate(r -> r.getLevel().intValue() >= Level.WARNING.intValue())
            .assertException(Failures.resolutionFailure(m -> assertThat(m).contains("app.token").contains("github-token")
                    .contains("not found"), "seeded-value-77"))
            .assertLogRecords(records -> {
                var hints = records.stream().map(r -> r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage())
                        .filter(m -> m.contains("Dev Services for Azure Key Vault")).toList();
                assertThat(hints).hasSize(1);
                assertThat(hints.get(0)).contains("no secret 'github-token' (referenced by app.token)")
                        .contains("Its state is " + STATE)
                        .contains("rm -r " + STATE.getParent() + " ")
                        .contains("quarkus.kvconfig.devservices.secrets.\"github-token\"=<value>")
                        .doesNotContain("seeded-one").doesNotContain("seeded-value-77");
            });

    @Test
    void startupFails() {
        fail("startup must fail");
    }
}
