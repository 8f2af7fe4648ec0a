package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import com.fasterxml.jackson.databind.JsonNode;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.devui.tests.DevUIJsonRPCTest;
import io.quarkus.test.QuarkusDevModeTest;

/**
 * Dev mode with a vault the app configures itself (no Dev Service): the card shows the references and the
 * allowlisting state, and refuses to set or delete secrets with a message that says why; the vault's journal shows
 * that no write (and no listing) reached it.
 */
class DevUiRealVaultTest {

    static final Vault VAULT = TestVaults.shared("devui-real-vault");
    static final String VALUE = "real-vault-value-" + UUID.randomUUID();
    static {
        VAULT.setSecret("devui-real-one", VALUE);
    }
    static final int PORT = DevModeReloadTest.freePort();

    static final String PROPS = "quarkus.http.port=" + PORT + "\n"
            + "greeting.real=@kv:devui-real-one\n"
            + TestVaults.appConfig(VAULT).entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                    .collect(Collectors.joining("\n"))
            + "\n";

    @RegisterExtension
    static final QuarkusDevModeTest TEST = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addAsResource(new StringAsset(PROPS), "application.properties"))
            .setLogRecordPredicate(r -> true);

    @Test
    void referencesAndAllowlistingOnlyAndWritesRefused() throws Exception {
        DevUIJsonRPCTest rpc = new DevUIJsonRPCTest("quarkus-kvconfig", "http://localhost:" + PORT);

        JsonNode references = rpc.executeJsonRPCMethod("getReferences");
        JsonNode real = DevUiJsonRpcTest.byField(references, "property", "greeting.real");
        assertThat(real.get("status").asText()).isEqualTo("RESOLVED");
        assertThat(real.get("vaultUrl").asText()).isEqualTo(VAULT.vaultUrl());

        long writesBefore = VAULT.count("SetSecret") + VAULT.count("DeleteSecret") + VAULT.count("PurgeDeletedSecret");
        long listsBefore = VAULT.count("GetSecrets");

        JsonNode vault = rpc.executeJsonRPCMethod("getDevVault");
        assertThat(vault.get("devService").asBoolean()).isFalse();
        assertThat(vault.get("vaultUrl").asText()).isEqualTo(VAULT.vaultUrl());
        assertThat(vault.get("secrets")).isEmpty();
        assertThat(vault.get("message").asText()).contains("the app uses the vault " + VAULT.vaultUrl())
                .contains("not the Dev Service's dev vault");

        JsonNode set = rpc.executeJsonRPCMethod("setSecret", Map.of("name", "devui-real-one", "value", "overwritten"));
        assertThat(set.get("ok").asBoolean()).isFalse();
        assertThat(set.get("message").asText()).startsWith("refused to set secret 'devui-real-one': ")
                .contains("never writes to a vault the app configured itself");
        JsonNode delete = rpc.executeJsonRPCMethod("deleteSecret", Map.of("name", "devui-real-one"));
        assertThat(delete.get("ok").asBoolean()).isFalse();
        assertThat(delete.get("message").asText()).startsWith("refused to delete secret 'devui-real-one': ");

        JsonNode firewall = rpc.executeJsonRPCMethod("getFirewall");
        assertThat(firewall.get("ok").asBoolean()).isFalse();
        assertThat(firewall.get("message").asText()).contains("for the Dev Service's dev vault only");

        JsonNode allowlisting = rpc.executeJsonRPCMethod("getAllowlisting");
        assertThat(allowlisting.get("ran").asBoolean()).isFalse();
        assertThat(allowlisting.get("enabled").asBoolean()).isFalse();
        assertThat(allowlisting.get("message").asText()).contains("allowlisting is off")
                .contains("quarkus.kvconfig.firewall.resource-group");

        // nothing reached the vault: no write, no listing; the secret is as it was
        assertThat(VAULT.count("SetSecret") + VAULT.count("DeleteSecret") + VAULT.count("PurgeDeletedSecret"))
                .isEqualTo(writesBefore);
        assertThat(VAULT.count("GetSecrets")).isEqualTo(listsBefore);
        assertThat(VAULT.secretValue("devui-real-one")).isEqualTo(VALUE);

        for (JsonNode answer : List.of(references, vault, set, delete, firewall, allowlisting)) {
            assertThat(answer.toString()).doesNotContain(VALUE);
        }
        assertThat(TEST.getLogRecords().stream().map(DevUiJsonRpcTest::line).toList()).isNotEmpty()
                .noneMatch(l -> l.contains(VALUE));
    }
}
