package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/** A 429 burst (honouring Retry-After) and slow answers within the startup deadline: the app still starts. */
class ThrottlingWithinDeadlineTest {

    static final int SECRETS = 12;
    static final Vault VAULT = TestVaults.shared("throttle-ok", b -> {
        for (int i = 0; i < SECRETS; i++) {
            b.secret("burst-" + i, "burst-value-" + i);
        }
    });
    static {
        VAULT.latencyMillis(150L);
        VAULT.throttleNext(6, 1);
    }

    static QuarkusUnitTest app() {
        QuarkusUnitTest t = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
                .withApplicationRoot(jar -> jar.addClasses(ThrottlingWithinDeadlineTest.class, TestVaults.class, Vault.class))
                .overrideConfigKey("quarkus.kvconfig.startup-timeout", "20S");
        for (int i = 0; i < SECRETS; i++) {
            t.overrideConfigKey("burst.p" + i, "@kv:burst-" + i);
        }
        return t;
    }

    @RegisterExtension
    static final QuarkusUnitTest TEST = app();

    @ConfigProperty(name = "burst.p0")
    String first;
    @ConfigProperty(name = "burst.p11")
    String last;

    @Test
    void startsWithEveryValue() {
        assertThat(first).isEqualTo("burst-value-0");
        assertThat(last).isEqualTo("burst-value-11");
        // every secret was eventually read once successfully, plus the throttled attempts
        assertThat(VAULT.count("GetSecret")).isGreaterThanOrEqualTo(SECRETS);
        VAULT.latencyMillis(0L);
        VAULT.throttleNext(0, 0);
    }
}
