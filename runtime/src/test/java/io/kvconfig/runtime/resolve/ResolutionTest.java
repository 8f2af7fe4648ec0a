package io.kvconfig.runtime.resolve;

import io.kvconfig.runtime.vault.FailureKind;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class ResolutionTest {

    @Test
    void toStringNeverPrintsValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("db.password", "hunter2");
        values.put("api.key", "s3cr3t");
        Resolution r = new Resolution(values, List.of(), List.of(), new Resolution.Stats(2, 2, 3, 10));
        assertThat(r.values()).containsEntry("db.password", "hunter2").hasSize(2);
        assertThat(r.toString()).doesNotContain("hunter2").doesNotContain("s3cr3t").contains("db.password=***");
        assertThat(r.values().toString()).isEqualTo("{db.password=***, api.key=***}");
        assertThat(String.valueOf(r.values())).doesNotContain("hunter2");
        assertThat(r.successful()).isTrue();
        assertThat(r.orThrow()).isSameAs(r);
        assertThat(r.failureReport()).isEmpty();
        assertThatThrownBy(() -> r.values().put("x", "y")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void failureReportListsEveryFailure() {
        Resolution r = new Resolution(Map.of("ok", "hunter2"), List.of(
                new ResolutionFailure("db.password", "db-pass", "https://kv.vault.azure.net", FailureKind.NOT_FOUND, "create it"),
                new ResolutionFailure("bad", null, null, FailureKind.INVALID_REFERENCE, "name contains '_'")),
                List.of(), new Resolution.Stats(3, 2, 2, 10));
        assertThat(r.successful()).isFalse();
        assertThat(r.failureReport()).isEqualTo("Could not resolve 2 of 3 Key Vault references:\n"
                + "  - property 'db.password', secret 'db-pass' in https://kv.vault.azure.net: not found - create it\n"
                + "  - property 'bad': invalid reference - name contains '_'");
        assertThatThrownBy(r::orThrow).isInstanceOf(ResolutionFailedException.class)
                .hasMessage(r.failureReport())
                .satisfies(e -> assertThat(((ResolutionFailedException) e).failures()).hasSize(2));
        assertThat(Resolution.empty().successful()).isTrue();
    }
}
