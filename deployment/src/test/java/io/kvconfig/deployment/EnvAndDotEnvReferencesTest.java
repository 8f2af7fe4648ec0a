package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.test.QuarkusUnitTest;

/**
 * References in real environment variables and in a bash-format {@code .env}, each read under its env name and its
 * dotted name. Runs in its own surefire execution (see the pom): the JVM gets {@code GITHUB_TOKEN=@kv:env-github-token},
 * {@code KVTEST_OPTIONAL=@kv?:env-missing}, {@code KVTEST_PLAIN=plain-env-value}, and the working directory
 * {@code src/test/env-workdir} holding the {@code .env}. Real environment variables (not a stand-in source) are the
 * point: SmallRye's EnvConfigSource name matching is what makes {@code github.token} find {@code GITHUB_TOKEN}.
 */
class EnvAndDotEnvReferencesTest {

    static final Vault VAULT = TestVaults.shared("env", b -> b
            .secret("env-github-token", "env-github-token-value")
            .secret("dotenv-bot-password", "dotenv-bot-password-value")
            .secret("dotenv-admin-secret", "dotenv-admin-secret-value"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(EnvAndDotEnvReferencesTest.class, TestVaults.class, Vault.class));

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
    void oneRequestPerSecret() {
        // env-github-token, dotenv-bot-password, dotenv-admin-secret, env-missing (404), dotenv-not-there (404)
        assertThat(VAULT.count("GetSecret")).isEqualTo(5);
        assertThat(VAULT.count("Token")).isEqualTo(1);
    }
}
