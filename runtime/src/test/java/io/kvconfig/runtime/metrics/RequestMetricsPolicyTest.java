package io.kvconfig.runtime.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;

/** The operation and outcome tags of a secrets-client request: bounded vocabularies, never a secret name. */
class RequestMetricsPolicyTest {

    static String op(HttpMethod method, String url, boolean authorized) {
        return RequestMetricsPolicy.operation(new HttpRequest(method, url), authorized);
    }

    @Test
    void operationFromMethodAndPath() {
        String v = "https://kv.vault.azure.net";
        assertThat(op(HttpMethod.GET, v + "/secrets/db-password/?api-version=2025-07-01", true)).isEqualTo("get-secret");
        assertThat(op(HttpMethod.GET, v + "/secrets/db-password/0123abcd?api-version=2025-07-01", true)).isEqualTo("get-secret");
        assertThat(op(HttpMethod.PUT, v + "/secrets/db-password?api-version=2025-07-01", true)).isEqualTo("set-secret");
        assertThat(op(HttpMethod.DELETE, v + "/secrets/db-password?api-version=2025-07-01", true)).isEqualTo("delete-secret");
        assertThat(op(HttpMethod.GET, v + "/secrets?api-version=2025-07-01", true)).isEqualTo("other");
        assertThat(op(HttpMethod.GET, v + "/deletedsecrets/db-password?api-version=2025-07-01", true)).isEqualTo("other");
        assertThat(op(HttpMethod.PATCH, v + "/secrets/db-password/0123abcd?api-version=2025-07-01", true)).isEqualTo("other");
        // the SDK's first request goes without a token, to get the vault's challenge
        assertThat(op(HttpMethod.GET, v + "/secrets/db-password/?api-version=2025-07-01", false)).isEqualTo("challenge");
    }

    @Test
    void outcomeFromStatus() {
        assertThat(RequestMetricsPolicy.outcome(true, 200)).isEqualTo("success");
        assertThat(RequestMetricsPolicy.outcome(true, 204)).isEqualTo("success");
        assertThat(RequestMetricsPolicy.outcome(true, 429)).isEqualTo("throttled");
        assertThat(RequestMetricsPolicy.outcome(true, 404)).isEqualTo("404");
        assertThat(RequestMetricsPolicy.outcome(true, 403)).isEqualTo("403");
        assertThat(RequestMetricsPolicy.outcome(true, 503)).isEqualTo("503");
        // a token that was refused is a failure; the challenge's 401 is what it is for
        assertThat(RequestMetricsPolicy.outcome(true, 401)).isEqualTo("401");
        assertThat(RequestMetricsPolicy.outcome(false, 401)).isEqualTo("success");
        assertThat(RequestMetricsPolicy.outcome(false, 403)).isEqualTo("403");
    }
}
