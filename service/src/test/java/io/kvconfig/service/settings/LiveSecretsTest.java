package io.kvconfig.service.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.service.settings.Plan.Action;
import io.kvconfig.service.settings.Plan.Item;

/** Which saves take effect without a restart: only new versions of secrets the running config references, unpinned. */
class LiveSecretsTest {

    static final String VAULT = "https://myvault.vault.azure.net";
    static final List<ReferenceStatus> RUNNING = List.of(
            new ReferenceStatus("ADMIN_SECRET", "@kv:admin-secret", "admin-secret", VAULT, ReferenceStatus.Status.RESOLVED, ""),
            new ReferenceStatus("PINNED", "@kv:pinned/0123456789abcdef0123456789abcdef", "pinned", VAULT,
                    ReferenceStatus.Status.RESOLVED, ""),
            new ReferenceStatus("LEFT", "@kv:left", null, null, ReferenceStatus.Status.LEFT_ALONE, ""),
            new ReferenceStatus("OTHER", "@kv:https://other.vault.azure.net/secrets/o", "o",
                    "https://other.vault.azure.net", ReferenceStatus.Status.RESOLVED, ""));

    static Item kv(String key, String env, String vault, String name) {
        return new Item(key, Action.KEYVAULT, env, "value", vault, name);
    }

    @Test
    void aRotationOfReferencedSecretsIsLive() {
        assertThat(LiveSecrets.newVersionsOnly(List.of(kv("ADMIN_SECRET", "@kv:admin-secret", null, "admin-secret"),
                kv("OTHER", "@kv:https://other.vault.azure.net/secrets/o", "https://other.vault.azure.net", "o")),
                RUNNING, VAULT + "/"))
                .contains(List.of(new SecretReference(VAULT, "admin-secret", null, false),
                        new SecretReference("https://other.vault.azure.net", "o", null, false)));
    }

    @Test
    void anythingElseNeedsARestart() {
        for (List<Item> items : List.of(
                List.<Item>of(),
                List.of(new Item("LOG_FORMAT", Action.PLAIN, "text", null, null, null)),
                List.of(kv("ADMIN_SECRET", "@kv:admin-secret", null, "admin-secret"),
                        new Item("OLD", Action.REMOVE, null, null, null, null)),
                List.of(kv("GITHUB_TOKEN", "@kv:github-token", null, "github-token")),
                List.of(kv("ADMIN_SECRET", "@kv:other-name", null, "other-name")),
                List.of(kv("PINNED", "@kv:pinned", null, "pinned")),
                List.of(kv("LEFT", "@kv:left", null, "left")),
                List.of(kv("ADMIN_SECRET", "@kv:https://x.vault.azure.net/secrets/admin-secret",
                        "https://x.vault.azure.net", "admin-secret")),
                List.of(new Item("ADMIN_SECRET", Action.REFERENCE, "@kv:admin-secret", null, null, "admin-secret")))) {
            assertThat(LiveSecrets.newVersionsOnly(items, RUNNING, VAULT)).as(items.toString()).isEmpty();
        }
        assertThat(LiveSecrets.newVersionsOnly(List.of(kv("ADMIN_SECRET", "@kv:admin-secret", null, "admin-secret")),
                RUNNING, null)).as("no default vault").isEmpty();
    }
}
