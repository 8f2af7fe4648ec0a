package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpResponse;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import com.azure.core.exception.HttpResponseException;
import com.azure.security.keyvault.secrets.SecretClient;
import com.fasterxml.jackson.databind.JsonNode;

/** Authorization 403s that are not the firewall (issue 15 item 4), through the real SecretClient. */
class SecretAccessTest {
    private static final String VALUE = "access-test-value";
    private static DevVault vault;
    private static SecretClient client;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().build().start();
        vault.setSecret("open-secret", VALUE);
        vault.setSecret("locked-secret", VALUE);
        client = Sdk.secretClient(vault);
        assertThat(client.getSecret("open-secret").getValue()).isEqualTo(VALUE);
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.secretAccess().allowAll().accessPolicies(false);
        vault.firewall().defaultAction("Allow");
        vault.journal().reset();
    }

    private String caller() {
        return "appid=" + vault.tokens().clientId() + ";oid=" + vault.tokens().objectId() + ";iss="
                + vault.tokens().issuer();
    }

    private static HttpResponseException forbidden(Runnable call) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(call::run);
        assertThat(t).isInstanceOf(HttpResponseException.class);
        HttpResponseException e = (HttpResponseException) t;
        assertThat(e.getResponse().getStatusCode()).isEqualTo(403);
        assertThat(e.getMessage()).doesNotContain(VALUE);
        return e;
    }

    @Test
    void deniedReadsAreForbiddenByRbacAndWritesStillWork() {
        vault.secretAccess().denyReads(true);
        HttpResponseException e = forbidden(() -> client.getSecret("open-secret"));
        assertThat(e.getMessage())
                .contains("Caller is not authorized to perform action on resource.")
                .contains("Caller: " + caller())
                .contains("Action: 'Microsoft.KeyVault/vaults/secrets/getSecret/action'")
                .contains("Resource: '" + vault.vaultResourceId().toLowerCase() + "/secrets/open-secret'")
                .contains("ForbiddenByRbac")
                .doesNotContain("ForbiddenByFirewall");
        forbidden(() -> client.listPropertiesOfSecrets().stream().count());

        client.setSecret("written-while-reads-denied", "w");
        assertThat(vault.secretValue("written-while-reads-denied")).contains("w");
        // a 403 is not retried by the SDK: one request each
        assertThat(vault.journal().count("GetSecret")).isEqualTo(1);
        assertThat(vault.journal().count("GetSecrets")).isEqualTo(1);
        assertThat(vault.journal().count("ForbiddenByRbac")).isEqualTo(2);
        assertThat(vault.journal().count("SetSecret")).isEqualTo(1);

        vault.secretAccess().allowAll();
        assertThat(client.getSecret("open-secret").getValue()).isEqualTo(VALUE);
    }

    @Test
    void deniedWritesChangeNothing() {
        vault.secretAccess().denyWrites(true);
        HttpResponseException e = forbidden(() -> client.setSecret("open-secret", "overwritten"));
        assertThat(e.getMessage()).contains("Action: 'Microsoft.KeyVault/vaults/secrets/setSecret/action'")
                .doesNotContain("overwritten");
        forbidden(() -> client.beginDeleteSecret("open-secret"));
        assertThat(vault.secretValue("open-secret")).contains(VALUE);
        assertThat(client.getSecret("open-secret").getValue()).isEqualTo(VALUE);
        assertThat(vault.journal().count("ForbiddenByRbac")).isEqualTo(2);
        assertThat(vault.journal().entries()).filteredOn(x -> x.status() == 403).extracting(Journal.Entry::operation)
                .containsExactly("SetSecret", "DeleteSecret");
    }

    @Test
    void oneSecretCanBeDeniedAlone() {
        vault.secretAccess().denySecret("Locked-Secret");
        HttpResponseException e = forbidden(() -> client.getSecret("locked-secret"));
        assertThat(e.getMessage()).contains("/secrets/locked-secret'");
        forbidden(() -> client.setSecret("locked-secret", "x"));
        assertThat(client.getSecret("open-secret").getValue()).isEqualTo(VALUE);
        assertThat(vault.secretAccess().deniedSecrets()).containsExactly("locked-secret");
        vault.secretAccess().allowSecret("locked-secret");
        assertThat(client.getSecret("locked-secret").getValue()).isEqualTo(VALUE);
        assertThatThrownBy(() -> vault.secretAccess().denySecret("bad_name")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void accessPolicyVaultAnswersAccessDenied() {
        vault.secretAccess().accessPolicies(true).denyReads(true);
        String where = "' does not have secrets %s permission on key vault '" + vault.vaultName() + ";location="
                + vault.location() + "'. For help resolving this issue, please see"
                + " https://go.microsoft.com/fwlink/?linkid=2125287";
        HttpResponseException e = forbidden(() -> client.getSecret("open-secret"));
        assertThat(e.getMessage()).contains("The user, group or application '" + caller() + where.formatted("get"))
                .contains("AccessDenied").doesNotContain("ForbiddenByRbac");
        HttpResponseException list = forbidden(() -> client.listPropertiesOfSecrets().stream().count());
        assertThat(list.getMessage()).contains(where.formatted("list"));
        assertThat(vault.journal().count("AccessDenied")).isEqualTo(2);
        assertThat(vault.journal().count("ForbiddenByRbac")).isZero();
    }

    @Test
    void wireShapeAndTheFirewallComesFirst() throws Exception {
        vault.secretAccess().denyReads(true);
        Raw raw = new Raw(vault);
        HttpResponse<String> r = raw.get("/secrets/open-secret?api-version=7.6");
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode body = Raw.json(r);
        assertThat(body.at("/error/code").asText()).isEqualTo("Forbidden");
        assertThat(body.at("/error/innererror/code").asText()).isEqualTo("ForbiddenByRbac");

        // an address the firewall refuses never reaches the authorization check
        vault.firewall().defaultAction("Deny");
        HttpResponse<String> blocked = raw.get("/secrets/open-secret?api-version=7.6");
        assertThat(blocked.statusCode()).isEqualTo(403);
        assertThat(Raw.json(blocked).at("/error/innererror/code").asText()).isEqualTo("ForbiddenByFirewall");
        assertThat(vault.journal().count("ForbiddenByRbac")).isEqualTo(1);

        // still authentication first: no token is the 401 challenge
        assertThat(raw.send("GET", "/secrets/open-secret?api-version=7.6", null, null).statusCode()).isEqualTo(401);
    }

    @Test
    void builderSetsTheInitialAccess() {
        try (DevVault v = DevVault.builder().denySecretReads(true).denySecretWrites(true).accessPolicies(true).build()) {
            assertThat(v.secretAccess().deniesReads()).isTrue();
            assertThat(v.secretAccess().deniesWrites()).isTrue();
            assertThat(v.secretAccess().usesAccessPolicies()).isTrue();
        }
        assertThat(vault.secretAccess().deniesReads()).isFalse();
    }
}
