package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Optional;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.KeyVault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * References in real environment variables and in a bash-format {@code .env}, each read under its env name and its
 * dotted name. Runs in its own surefire execution (see the pom): the JVM gets {@code GITHUB_TOKEN=@kv:env-github-token},
 * {@code KVTEST_OPTIONAL=@kv?:env-missing}, {@code KVTEST_PLAIN=plain-env-value}, and the working directory
 * {@code src/test/env-workdir} holding the {@code .env}. Real environment variables (not a stand-in source) are the
 * point: SmallRye's EnvConfigSource name matching is what makes {@code github.token} find {@code GITHUB_TOKEN}.
 * <p>
 * The same execution sets {@code IDENTITY_ENDPOINT}/{@code IDENTITY_HEADER} (App Service managed identity) to this
 * test's dev vault token endpoint, and the app gets no {@code quarkus.kvconfig.credential.*} setting: the extension
 * authenticates with the real {@code DefaultAzureCredential}, exactly as in Azure.
 */
class EnvAndDotEnvReferencesTest {

    static final Vault VAULT = TestVaults.shared("env", b -> b
            .tokenPort(URI.create(System.getenv("IDENTITY_ENDPOINT")).getPort())
            .identityHeader(System.getenv("IDENTITY_HEADER"))
            .secret("env-github-token", "env-github-token-value")
            .secret("dotenv-bot-password", "dotenv-bot-password-value")
            .secret("dotenv-admin-secret", "dotenv-admin-secret-value"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = withoutCredentialSettings(new QuarkusUnitTest())
            .withApplicationRoot(jar -> jar.addClasses(EnvAndDotEnvReferencesTest.class, TestVaults.class, Vault.class));

    /** Everything the Dev Service would give but the credential settings: DefaultAzureCredential reads the env. */
    static QuarkusUnitTest withoutCredentialSettings(QuarkusUnitTest test) {
        TestVaults.appConfig(VAULT).forEach((k, v) -> {
            if (!k.startsWith("quarkus.kvconfig.credential.")) {
                test.overrideConfigKey(k, v);
            }
        });
        return test;
    }

    @Inject
    KeyVault keyVault;

    @ConfigProperty(name = "GITHUB_TOKEN")
    String githubTokenEnvName;
    @ConfigProperty(name = "github.token")
    String githubTokenDotted;
    @ConfigProperty(name = "KVTEST_OPTIONAL")
    Optional<String> optional;
    @ConfigProperty(name = "kvtest.plain")
    String plain;
    @ConfigProperty(name = "BOT_APP_PASSWORD")
    String botPassword;
    @ConfigProperty(name = "bot.app.password")
    String botPasswordDotted;
    @ConfigProperty(name = "ADMIN_SECRET")
    String adminSecret;
    @ConfigProperty(name = "DOTENV_OPTIONAL")
    Optional<String> dotEnvOptional;
    @ConfigProperty(name = "DOTENV_PLAIN")
    String dotEnvPlain;

    @Test
    void environmentVariables() {
        assertThat(System.getenv("GITHUB_TOKEN")).as("run by the env-and-dotenv surefire execution")
                .isEqualTo("@kv:env-github-token");
        assertThat(githubTokenEnvName).isEqualTo("env-github-token-value");
        assertThat(githubTokenDotted).isEqualTo("env-github-token-value");
        assertThat(optional).isEmpty();
        assertThat(plain).isEqualTo("plain-env-value");
    }

    @Test
    void bashFormatDotEnv() {
        assertThat(botPassword).isEqualTo("dotenv-bot-password-value");
        assertThat(botPasswordDotted).isEqualTo("dotenv-bot-password-value");
        assertThat(adminSecret).isEqualTo("dotenv-admin-secret-value");
        assertThat(dotEnvOptional).isEmpty();
        assertThat(dotEnvPlain).isEqualTo("a plain value with spaces");
    }

    @Test
    void authenticatesWithTheRealDefaultAzureCredential() {
        assertThat(keyVault.settings().identityEndpoint()).isEmpty();
        assertThat(keyVault.clients().credentialDescription()).startsWith("DefaultAzureCredential");
        assertThat(VAULT.count("Token")).as("tokens from the managed identity endpoint, through MSAL").isEqualTo(1);
    }

    @Test
    void oneRequestPerSecret() {
        // env-github-token, dotenv-bot-password, dotenv-admin-secret, env-missing (404), dotenv-not-there (404)
        assertThat(VAULT.count("GetSecret")).isEqualTo(5);
        assertThat(VAULT.count("Token")).isEqualTo(1);
    }
}
