package io.kvconfig.deployment.testsupport;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.List;
import java.util.Map;

import io.restassured.path.json.JsonPath;

/** The Key Vault check of a {@code /q/health/ready} answer, and what an anonymous caller must never see in it. */
public final class Readiness {

    /** Credential settings a test app gets, to prove they never reach the open readiness answer. */
    public static final String CLIENT_ID = "c11e7a1d-5e7c-4d3b-9a11-00000000c1d0";
    public static final String TENANT_ID = "7e9a9171-0b5e-4c2d-8e7f-0000000007e9";

    private Readiness() {
    }

    public record Check(String status, Map<String, Object> data) {
    }

    /** The "Azure Key Vault" check of a readiness answer; fails when there is none. */
    public static Check check(String body) {
        JsonPath json = JsonPath.from(body);
        List<Map<String, Object>> checks = json.getList("checks");
        for (Map<String, Object> c : checks) {
            if ("Azure Key Vault".equals(c.get("name"))) {
                @SuppressWarnings("unchecked")
                Map<String, Object> data = (Map<String, Object>) c.get("data");
                return new Check((String) c.get("status"), data == null ? Map.of() : data);
            }
        }
        throw new AssertionError("no Azure Key Vault check in " + body);
    }

    /**
     * No vault URL, host or port, no credential detail (identity endpoint and header, client id, tenant), no client
     * address, and none of {@code names} (secret and property names of the test).
     */
    public static void assertNoDetails(String body, Vault vault, String... names) {
        URI endpoint = URI.create(vault.identityEndpoint());
        URI vaultUri = URI.create(vault.vaultUrl());
        assertThat(body).as("open readiness answer")
                .doesNotContain(vault.vaultUrl())
                .doesNotContain(vaultUri.getHost())
                .doesNotContain(String.valueOf(vaultUri.getPort()))
                .doesNotContain(vault.identityEndpoint())
                .doesNotContain(endpoint.getHost())
                .doesNotContain(String.valueOf(endpoint.getPort()))
                .doesNotContain("msi")
                .doesNotContain(vault.identityHeader())
                .doesNotContain(CLIENT_ID)
                .doesNotContain(TENANT_ID)
                .doesNotContainIgnoringCase("client id")
                .doesNotContainIgnoringCase("tenant")
                .doesNotContainIgnoringCase("credential")
                .doesNotContain("203.0.113.10")
                .doesNotContain("vault.azure.net");
        for (String n : names) {
            assertThat(body).as("open readiness answer").doesNotContain(n);
        }
    }
}
