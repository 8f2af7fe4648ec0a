package io.kvconfig.service.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

/** How a delivery is read, in both schemas; bad bodies get a fixed message that never quotes them. */
class KeyVaultEventsTest {

    static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static final String ID = "https://myvault.vault.azure.net/secrets/db-password/ee059b2bb5bc48398a53b168c6cdcb10";

    @Test
    void eventGridSchemaSecretNewVersionCreated() throws Exception {
        KeyVaultEvents.Delivery d = KeyVaultEvents.read("application/json; charset=utf-8", b("[{\"id\":\"1\",\"topic\":"
                + "\"/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/myvault\",\"subject\":"
                + "\"db-password\",\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\",\"eventTime\":"
                + "\"2019-07-25T01:08:33.1036736Z\",\"data\":{\"Id\":\"" + ID + "\",\"VaultName\":\"myvault\","
                + "\"ObjectType\":\"Secret\",\"ObjectName\":\"db-password\",\"Version\":\"ee059b2bb5bc48398a53b168c6cdcb10\","
                + "\"NBF\":1559081980,\"EXP\":1559082102},\"dataVersion\":\"1\",\"metadataVersion\":\"1\"}]"));
        assertThat(d.validationCode()).isEmpty();
        assertThat(d.events()).isEqualTo(1);
        assertThat(d.ignored()).isEmpty();
        assertThat(d.secretEvents()).containsExactly(
                new KeyVaultEvents.SecretEvent("https://myvault.vault.azure.net", "db-password"));
    }

    @Test
    void lowerCaseDataFieldsAndCloudEventsAreReadToo() throws Exception {
        String data = "{\"id\":\"" + ID + "\",\"vaultName\":\"myvault\"}";
        String ce = "{\"specversion\":\"1.0\",\"type\":\"Microsoft.KeyVault.SecretNewVersionCreated\",\"source\":\"/x\","
                + "\"subject\":\"db-password\",\"id\":\"1\",\"time\":\"2026-01-01T00:00:00Z\",\"data\":" + data + "}";
        assertThat(KeyVaultEvents.read("application/cloudevents+json", b(ce)).secretEvents()).hasSize(1);
        assertThat(KeyVaultEvents.read("application/cloudevents-batch+json", b("[" + ce + "," + ce + "]")).secretEvents())
                .hasSize(2);
        assertThat(KeyVaultEvents.read("Application/JSON", b("[" + ce + "]")).secretEvents())
                .containsExactly(new KeyVaultEvents.SecretEvent("https://myvault.vault.azure.net", "db-password"));
    }

    @Test
    void theValidationEventGivesItsCode() throws Exception {
        KeyVaultEvents.Delivery d = KeyVaultEvents.read("application/json", b("[{\"eventType\":"
                + "\"Microsoft.EventGrid.SubscriptionValidationEvent\",\"data\":{\"validationCode\":\"abc\"}}]"));
        assertThat(d.validationCode()).contains("abc");
        assertThatThrownBy(() -> KeyVaultEvents.read("application/json", b("[{\"eventType\":"
                + "\"Microsoft.EventGrid.SubscriptionValidationEvent\",\"data\":{}}]")))
                .hasMessage("The SubscriptionValidationEvent has no data.validationCode.");
    }

    @Test
    void otherEventsAndBadIdsAreIgnoredAndNamedSafely() throws Exception {
        KeyVaultEvents.Delivery d = KeyVaultEvents.read("application/json", b("[{\"eventType\":"
                + "\"Microsoft.KeyVault.SecretNearExpiry\",\"data\":{\"Id\":\"" + ID + "\"}},"
                + "{\"eventType\":\"<script>secret-value\"},{\"data\":{}},"
                + "{\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\",\"data\":{\"Id\":\"http://plain/secrets/x\"}},"
                + "{\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\",\"data\":{\"Id\":\"https://v.vault.azure.net/keys/x\"}},"
                + "{\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\",\"data\":{\"Id\":\"https://v.vault.azure.net/secrets/bad_name\"}},"
                + "{\"eventType\":\"Microsoft.KeyVault.SecretNewVersionCreated\",\"data\":{\"Id\":7}}]"));
        assertThat(d.secretEvents()).isEmpty();
        assertThat(d.events()).isEqualTo(7);
        assertThat(d.ignored()).hasSize(7).contains("Microsoft.KeyVault.SecretNearExpiry", "(not an event type)",
                "(no event type)");
        assertThat(String.join(" ", d.ignored())).doesNotContain("secret-value").doesNotContain("bad_name");
    }

    @Test
    void badBodiesAreRefusedWithoutQuotingThem() {
        String leak = "leak-me-9f2";
        assertThatThrownBy(() -> KeyVaultEvents.read("text/plain", b(leak)))
                .isInstanceOfSatisfying(KeyVaultEvents.BadDelivery.class, e -> assertThat(e.status()).isEqualTo(415));
        assertThatThrownBy(() -> KeyVaultEvents.read(null, b("[]")))
                .isInstanceOfSatisfying(KeyVaultEvents.BadDelivery.class, e -> assertThat(e.status()).isEqualTo(415));
        for (String body : new String[] {"{" + leak, "\"" + leak + "\"", "[\"" + leak + "\"]", ""}) {
            assertThatThrownBy(() -> KeyVaultEvents.read("application/json", b(body)))
                    .isInstanceOfSatisfying(KeyVaultEvents.BadDelivery.class, e -> assertThat(e.status()).isEqualTo(400))
                    .hasMessageNotContaining(leak);
        }
        assertThatThrownBy(() -> KeyVaultEvents.read("application/cloudevents+json", b("[]")))
                .isInstanceOf(KeyVaultEvents.BadDelivery.class);
        assertThatThrownBy(() -> KeyVaultEvents.read("application/cloudevents-batch+json", b("{}")))
                .isInstanceOf(KeyVaultEvents.BadDelivery.class);
    }
}
