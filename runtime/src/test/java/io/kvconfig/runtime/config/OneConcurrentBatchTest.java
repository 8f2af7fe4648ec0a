package io.kvconfig.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * "All references are resolved in ONE concurrent batch": through the config interceptor, five references to five
 * secrets of a vault that answers each request after a delay are fetched with requests in flight at the same time.
 * Counted by the dev vault (the most requests it held open at once), not timed: a resolver that fetched one secret
 * at a time would show 1.
 */
class OneConcurrentBatchTest {

    static final int SECRETS = 5;

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust")).build().start();
        for (int i = 0; i < SECRETS; i++) {
            vault.setSecret("batch-" + i, "batch-value-" + i);
        }
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @Test
    void theSecretsOfOneBatchAreFetchedConcurrently() {
        // the challenge and the primer go first; the other four are in flight together (with the primer's answer
        // still held back by the latency, up to all five)
        assertThat(maxInFlight(null)).isGreaterThan(1);
    }

    @Test
    void parallelismOneFetchesOneAtATime() {
        // the same measurement sees a one-at-a-time fetch: the limit holds, the primer included
        assertThat(maxInFlight(1)).isEqualTo(1);
    }

    /** Resolves the batch through the interceptor with that parallelism (null: the default); the most requests in flight. */
    private static int maxInFlight(Integer parallelism) {
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.kvconfig.url", vault.vaultUrl());
        props.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        props.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        props.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        props.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        props.put("quarkus.kvconfig.challenge-resource-verification", "false");
        props.put("quarkus.kvconfig.startup-timeout", "30S");
        if (parallelism != null) {
            props.put("quarkus.kvconfig.parallelism", parallelism.toString());
        }
        for (int i = 0; i < SECRETS; i++) {
            props.put("app.batch." + i, "@kv:batch-" + i);
        }
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(props, "test", 250))
                .withInterceptors(new KvConfigInterceptor(null))
                .build();
        synchronized (OneConcurrentBatchTest.class) {
            // long enough that requests sent together overlap on a loaded machine, short enough for a quick test
            vault.faults().latency(Duration.ofMillis(400));
            vault.journal().reset();
            try {
                assertThat(config.getValue("app.batch.0", String.class)).isEqualTo("batch-value-0");
            } finally {
                vault.faults().latency(Duration.ZERO);
            }
            for (int i = 1; i < SECRETS; i++) {
                assertThat(config.getValue("app.batch." + i, String.class)).isEqualTo("batch-value-" + i);
            }
            // one batch: one request per secret, all sent by the first read
            assertThat(vault.journal().count("GetSecret")).isEqualTo(SECRETS);
            return vault.journal().maxInFlight();
        }
    }
}
