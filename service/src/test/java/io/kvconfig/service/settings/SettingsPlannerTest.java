package io.kvconfig.service.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.eclipse.microprofile.config.spi.ConfigSource;
import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.dotenv.DotEnvFormat;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.settings.Plan.Action;
import io.kvconfig.service.settings.Plan.Item;
import io.smallrye.config.EnvConfigSource;
import io.smallrye.config.PropertiesConfigSource;

/** What each key of a PUT becomes, against .env and the config sources; pure, no Quarkus. */
class SettingsPlannerTest {

    private static final Path ENV_FILE = Path.of("/srv/app/settings.env");
    private static final String VAULT = "https://kv-one.vault.azure.net";
    private static final String OTHER_VAULT = "https://kv-other.vault.azure.net";
    private static final String SECRET = "s3cr3t-'value\"-never-shown";

    private final SettingsPlanner planner = new SettingsPlanner(Set.of("GITHUB_TOKEN", "ADMIN_SECRET", "BOT_APP_PASSWORD"),
            Map.of("BOT_APP_PASSWORD", "bot-password"), false);

    /** Key, value pairs in body order; a null value removes the key. */
    private static Map<String, String> changes(String... keyValues) {
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            out.put(keyValues[i], keyValues[i + 1]);
        }
        return out;
    }

    private static ConfigSource yaml(Map<String, String> values) {
        return new PropertiesConfigSource(values, "YamlConfigSource[source=jar:file:/app.jar!/application.yaml]", 255);
    }

    private static ConfigSource environment(Map<String, String> values) {
        return new EnvConfigSource(values, 300);
    }

    private Plan plan(SettingsPlanner p, String env, Map<String, String> changes, String vault, ConfigSource... sources) {
        return p.plan(DotEnvFormat.parse(env), changes, new SettingSources(Arrays.asList(sources), List.of(), ENV_FILE), vault);
    }

    private Plan plan(String env, Map<String, String> changes, String vault, ConfigSource... sources) {
        return plan(planner, env, changes, vault, sources);
    }

    private static Item item(Plan plan, String key) {
        return plan.items().stream().filter(i -> i.key().equals(key)).findFirst().orElseThrow();
    }

    private static List<String> problems(Plan plan) {
        return plan.conflicts().stream().map(p -> p.key() + ": " + p.problem()).toList();
    }

    @Test
    void eachKindOfChange() {
        Plan plan = plan("OLD=1\nLOG_LEVEL=INFO\n", changes("OLD", null, "LOG_LEVEL", "DEBUG", "DB_PASSWORD", "@kv:db-pw",
                "GITHUB_TOKEN", SECRET, "BOT_APP_PASSWORD", SECRET + "2"), VAULT);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.items()).containsExactly(
                new Item("OLD", Action.REMOVE, null, null, null, null),
                new Item("LOG_LEVEL", Action.PLAIN, "DEBUG", null, null, null),
                new Item("DB_PASSWORD", Action.REFERENCE, "@kv:db-pw", null, null, null),
                // default name: the key lower-cased, _ as -; null vault = the default vault's client
                new Item("GITHUB_TOKEN", Action.KEYVAULT, "@kv:github-token", SECRET, null, "github-token"),
                // kvconfig.service.secret-names
                new Item("BOT_APP_PASSWORD", Action.KEYVAULT, "@kv:bot-password", SECRET + "2", null, "bot-password"));
        assertThat(plan.keyVaultItems()).extracting(Item::key).containsExactly("GITHUB_TOKEN", "BOT_APP_PASSWORD");
        assertThat(plan.newEnv()).containsExactly(Map.entry("LOG_LEVEL", "DEBUG"), Map.entry("DB_PASSWORD", "@kv:db-pw"),
                Map.entry("GITHUB_TOKEN", "@kv:github-token"), Map.entry("BOT_APP_PASSWORD", "@kv:bot-password"));
        assertThat(plan.envChanges()).containsEntry("OLD", null).containsEntry("GITHUB_TOKEN", "@kv:github-token")
                .doesNotContainValue(SECRET);
        assertThat(plan.warnings()).isEmpty();
        assertThat(plan.referencesToCheck()).as("the vault does not change").isEmpty();
        // names and actions only: never the secret
        assertThat(plan.toString() + plan.items()).contains("GITHUB_TOKEN", "KEYVAULT", "github-token").doesNotContain(SECRET);
    }

    @Test
    void aKeyThatHoldsAReferenceKeepsItsSecretNameAndFollowsTheLatestVersion() {
        Plan plan = plan("APP_PW=@kv:Custom-Name/0123456789abcdef0123456789abcdef\nOPT=@kv?:opt-name\n",
                changes("APP_PW", SECRET, "OPT", "x"), VAULT);

        assertThat(plan.conflicts()).isEmpty();
        // not a secret key, but it holds a reference: a secret; the pinned version gives way to the new latest one
        assertThat(item(plan, "APP_PW")).isEqualTo(new Item("APP_PW", Action.KEYVAULT, "@kv:Custom-Name", SECRET, null,
                "Custom-Name"));
        assertThat(item(plan, "OPT")).isEqualTo(new Item("OPT", Action.KEYVAULT, "@kv?:opt-name", "x", null, "opt-name"));
    }

    @Test
    void theCurrentReferenceMayComeFromAnyConfigSource() {
        Plan plan = plan("", changes("SMTP_PASSWORD", SECRET, "GITHUB_TOKEN", "t"), VAULT,
                yaml(Map.of("SMTP_PASSWORD", "@kv:smtp-from-yaml")), environment(Map.of("GITHUB_TOKEN", "@kv:gh-env")));

        assertThat(item(plan, "SMTP_PASSWORD")).isEqualTo(new Item("SMTP_PASSWORD", Action.KEYVAULT, "@kv:smtp-from-yaml",
                SECRET, null, "smtp-from-yaml"));
        // a secret key with a reference elsewhere: that name, not the default one
        assertThat(item(plan, "GITHUB_TOKEN").secretName()).isEqualTo("gh-env");
    }

    @Test
    void aPlainValueShadowingAReferenceIsNotCurrent() {
        Plan plan = plan("SHADOWED=plain\n", changes("SHADOWED", "new"), VAULT, yaml(Map.of("SHADOWED", "@kv:yaml-name")));
        assertThat(item(plan, "SHADOWED")).isEqualTo(new Item("SHADOWED", Action.PLAIN, "new", null, null, null));
    }

    @Test
    void aReferenceToAnotherVaultIsWrittenThere() {
        Plan plan = plan("X=@kv:" + OTHER_VAULT + "/secrets/x-name\n", changes("X", SECRET), VAULT);

        assertThat(plan.conflicts()).isEmpty();
        String reference = new SecretReference(OTHER_VAULT, "x-name", null, false).toReferenceString();
        assertThat(item(plan, "X")).isEqualTo(new Item("X", Action.KEYVAULT, reference, SECRET, OTHER_VAULT, "x-name"));
    }

    @Test
    void aCurrentReferenceToAHostThatIsNoKeyVaultIsNotWrittenTo() {
        String env = "X=@kv:https://127.0.0.1:8443/secrets/x\n";
        Plan prod = plan(env, changes("X", SECRET), VAULT);
        assertThat(prod.items()).extracting(Item::key).doesNotContain("X");
        assertThat(problems(prod)).singleElement().asString().startsWith("X: the key's current reference points at a vault that "
                + "is not an Azure Key Vault host").contains("refusing to write the secret there").doesNotContain(SECRET);

        // in dev and test mode the dev vault on loopback is one
        SettingsPlanner devOrTest = new SettingsPlanner(Set.of(), Map.of(), true);
        Plan dev = plan(devOrTest, env, changes("X", SECRET), VAULT);
        assertThat(dev.conflicts()).isEmpty();
        assertThat(item(dev, "X").action()).isEqualTo(Action.KEYVAULT);
        assertThat(item(dev, "X").vaultUrl()).isEqualTo("https://127.0.0.1:8443");
    }

    @Test
    void withoutAnyVaultASecretBecomesAValueButAReferenceIsNeverReplacedByPlaintext() {
        Plan plan = plan("DB=@kv:db\nX=@kv:" + OTHER_VAULT + "/secrets/x\n",
                changes("GITHUB_TOKEN", SECRET, "DB", "plaintext", "X", "x"), null);

        assertThat(item(plan, "GITHUB_TOKEN")).isEqualTo(new Item("GITHUB_TOKEN", Action.SECRET_AS_VALUE, SECRET, null, null,
                null));
        assertThat(plan.items()).extracting(Item::key).doesNotContain("DB");
        assertThat(problems(plan)).containsExactly("DB: the key holds a Key Vault reference and no Key Vault is configured: "
                + "refusing to replace the reference with a plaintext value (configure KEY_VAULT_URL, or send a new @kv: "
                + "reference)");
        // a reference that names its vault needs no default vault
        assertThat(item(plan, "X").action()).isEqualTo(Action.KEYVAULT);
        assertThat(item(plan, "X").vaultUrl()).isEqualTo(OTHER_VAULT);
    }

    @Test
    void adminSecretCannotBeRemoved() {
        Plan plan = plan("ADMIN_SECRET=@kv:admin-secret\n", changes("ADMIN_SECRET", null), VAULT);
        assertThat(problems(plan)).singleElement().asString().startsWith("ADMIN_SECRET: removing ADMIN_SECRET would turn the "
                + "admin API off").contains("at least 16 characters");
    }

    @Test
    void twoKeysOfOnePutNeverStoreOneSecretCaseInsensitively() {
        Plan plan = plan("A=@kv:Shared\nB=@kv:shared\n", changes("A", "1", "B", "2"), VAULT);
        assertThat(problems(plan)).containsExactly("B: this key and A would both store secret 'shared': one secret per key, "
                + "or the last write wins for both; give one of them its own @kv: reference",
                // and the new .env has both references
                "A: this key would store secret 'Shared', which B also references (@kv:shared): one secret per key, or B "
                        + "would get this value too; give one of them its own @kv: reference");
    }

    @Test
    void aWriteToASecretAnotherKeyReferencesIsRefusedWhereverThatReferenceIs() {
        Plan inFile = plan("OTHER=@kv:GitHub-Token\n", changes("GITHUB_TOKEN", SECRET), VAULT);
        assertThat(problems(inFile)).containsExactly("GITHUB_TOKEN: this key would store secret 'github-token', which OTHER "
                + "also references (@kv:GitHub-Token): one secret per key, or OTHER would get this value too; give one of "
                + "them its own @kv: reference");

        Plan inYaml = plan("", changes("GITHUB_TOKEN", SECRET), VAULT, yaml(Map.of("app.token", "@kv:github-token")));
        assertThat(problems(inYaml)).singleElement().asString().contains("which APP_TOKEN also references");

        // the same secret written as a default-vault reference and with the default vault's URL
        Plan explicit = plan("EXPLICIT=@kv:" + VAULT + "/secrets/github-token\n", changes("GITHUB_TOKEN", SECRET), VAULT);
        assertThat(problems(explicit)).singleElement().asString().contains("which EXPLICIT also references");
    }

    @Test
    void theSameNameInAnotherVaultOrTheKeysOwnReferenceIsNoCollision() {
        Plan plan = plan("GITHUB_TOKEN=@kv:github-token\nELSEWHERE=@kv:" + OTHER_VAULT + "/secrets/github-token\n"
                + "OPTIONAL_SAME=@kv?:other-name\n", changes("GITHUB_TOKEN", SECRET), VAULT);
        assertThat(plan.conflicts()).isEmpty();
        // a key the PUT removes no longer references anything
        Plan removed = plan("OTHER=@kv:github-token\n", changes("GITHUB_TOKEN", SECRET, "OTHER", null), VAULT);
        assertThat(removed.conflicts()).isEmpty();
        // a key that holds a reference stays a secret: a plain value for it is written to that same secret
        Plan replaced = plan("OTHER=@kv:github-token\n", changes("GITHUB_TOKEN", SECRET, "OTHER", "plain"), VAULT);
        assertThat(problems(replaced)).hasSize(2).first().asString().startsWith("OTHER: this key and GITHUB_TOKEN would "
                + "both store secret 'github-token'");
    }

    @Test
    void aNewVaultTakesTheDefaultVaultSecretsAndMustHoldEveryOtherReference() {
        String two = "https://kv-two.vault.azure.net";
        Plan plan = plan("DB=@kv:DB-Password\nDB_AGAIN=@kv:db-password\nPINNED=@kv:pinned/0123456789abcdef0123456789abcdef\n"
                + "OPT=@kv?:optional\nFOREIGN=@kv:" + OTHER_VAULT + "/secrets/foreign\nGITHUB_TOKEN=@kv:github-token\n",
                changes("KEY_VAULT_URL", two + "/", "GITHUB_TOKEN", SECRET), VAULT);

        assertThat(plan.conflicts()).isEmpty();
        assertThat(plan.vault()).isEqualTo(new Plan.VaultChange(two, two, true, null));
        assertThat(item(plan, "KEY_VAULT_URL").action()).isEqualTo(Action.PLAIN);
        // the secret goes where its reference is read from after the restart
        assertThat(item(plan, "GITHUB_TOKEN").vaultUrl()).isEqualTo(two);
        // every default-vault reference, once per name (case-insensitive) and version; not the one this PUT writes
        // there, not optional ones, not other vaults'
        assertThat(plan.referencesToCheck()).containsExactly(
                Map.entry(new SecretReference(null, "db-password", null, false), List.of("DB", "DB_AGAIN")),
                Map.entry(new SecretReference(null, "pinned", "0123456789abcdef0123456789abcdef", false), List.of("PINNED")));
    }

    @Test
    void theSameVaultUrlIsNoSwitch() {
        Plan plan = plan("", changes("KEY_VAULT_URL", "HTTPS://KV-ONE.vault.azure.net"), VAULT);
        assertThat(plan.vault()).isEqualTo(new Plan.VaultChange(VAULT, null, false, null));
        assertThat(plan.referencesToCheck()).isEmpty();
    }

    @Test
    void aVaultSettingThatWinsOverKeyVaultUrlKeepsTheVaultAndWarns() {
        String two = "https://kv-two.vault.azure.net";
        for (ConfigSource shadow : List.of(yaml(Map.of("quarkus.kvconfig.url", VAULT)),
                environment(Map.of("QUARKUS_KVCONFIG_URL", VAULT)))) {
            Plan plan = plan("DB=@kv:db\n", changes("KEY_VAULT_URL", two, "GITHUB_TOKEN", SECRET), VAULT, shadow);
            assertThat(plan.vault().target()).isEqualTo(VAULT);
            assertThat(plan.vault().switching()).isFalse();
            // still checked, for when that setting goes away
            assertThat(plan.vault().check()).isEqualTo(two);
            assertThat(item(plan, "GITHUB_TOKEN").vaultUrl()).as("written to the vault in use").isNull();
            assertThat(plan.referencesToCheck()).containsOnlyKeys(new SecretReference(null, "db", null, false),
                    new SecretReference(null, "github-token", null, false));
            assertThat(plan.warnings()).singleElement().asString().startsWith("KEY_VAULT_URL was saved, but quarkus.kvconfig.url (")
                    .endsWith("is set and wins over it: the default vault stays " + VAULT + " until that setting is removed.");
        }
    }

    @Test
    void keyVaultUrlCannotBeRemovedWhileReferencesNeedIt() {
        Plan plan = plan("KEY_VAULT_URL=" + VAULT + "\nDB=@kv:db\nOPT=@kv?:opt\nX=@kv:" + OTHER_VAULT + "/secrets/x\n",
                changes("KEY_VAULT_URL", null), VAULT);
        assertThat(problems(plan)).containsExactly("KEY_VAULT_URL: removing KEY_VAULT_URL would leave no default vault for "
                + "the references of [DB], and the next start would fail: remove or replace those references first");

        Plan alone = plan("KEY_VAULT_URL=" + VAULT + "\nOPT=@kv?:opt\n", changes("KEY_VAULT_URL", null, "GITHUB_TOKEN", SECRET),
                VAULT);
        assertThat(alone.conflicts()).isEmpty();
        assertThat(alone.vault().target()).isNull();
        // no vault after the restart: the secret becomes a value
        assertThat(item(alone, "GITHUB_TOKEN").action()).isEqualTo(Action.SECRET_AS_VALUE);
    }

    @Test
    void underTheLockAKeyThatBecameAReferenceIsNotOverwrittenWithPlaintext() {
        Plan plan = plan("", changes("LOG_LEVEL", "DEBUG", "GITHUB_TOKEN", SECRET, "NOTE", "x"), null);
        List<ApiError.Problem> late = plan.lateConflicts(DotEnvFormat.parse(
                "LOG_LEVEL=@kv:log-level\nGITHUB_TOKEN=@kv:github-token\nNOTE=still-plain\n"));
        assertThat(late).extracting(ApiError.Problem::key).containsExactly("LOG_LEVEL", "GITHUB_TOKEN");
        assertThat(plan.lateConflicts(DotEnvFormat.parse("NOTE=changed\n"))).isEmpty();

        // a Key Vault write replaces a reference anyway
        Plan vault = plan("", changes("GITHUB_TOKEN", SECRET), VAULT);
        assertThat(vault.lateConflicts(DotEnvFormat.parse("GITHUB_TOKEN=@kv:other\n"))).isEmpty();
    }

    @Test
    void aConfiguredSecretNameMustBeAKeyVaultName() {
        assertThatThrownBy(() -> new SettingsPlanner(Set.of(), Map.of("GITHUB_TOKEN", "gh_token"), false))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("kvconfig.service.secret-names.GITHUB_TOKEN is not a valid Key Vault secret name (1-127 of "
                        + "0-9a-zA-Z-)");
    }
}
