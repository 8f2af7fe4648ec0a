package io.kvconfig.service;

import static io.kvconfig.service.Api.put;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.metrics.KvConfigMetrics;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

/** Each PUT /api/settings is counted once in kvconfig.settings.writes, by the class of its answer. */
@QuarkusTest
@TestProfile(Profiles.WithVault.class)
class SettingsWriteMetricsTest {

    private static long writes(String outcome) {
        return KvConfigMetrics.count(KvConfigMetrics.SETTINGS_WRITES, "outcome", outcome);
    }

    @Test
    void aSavedAndARejectedWriteAreCountedApart() {
        TestVault.reset();
        long success = writes("success");
        long rejected = writes("rejected");
        long failed = writes("failed");

        put("{\"METRICS_TEST_LEVEL\":\"info\"}").then().statusCode(200);
        assertThat(writes("success")).isEqualTo(success + 1);

        put("{\"lower\":\"x\"}").then().statusCode(400);
        assertThat(writes("rejected")).isEqualTo(rejected + 1);
        assertThat(writes("success")).isEqualTo(success + 1);
        assertThat(writes("failed")).isEqualTo(failed);
    }
}
