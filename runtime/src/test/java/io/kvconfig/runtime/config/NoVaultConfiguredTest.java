package io.kvconfig.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;

import org.junit.jupiter.api.Test;

import io.kvconfig.runtime.resolve.LogCapture;
import io.kvconfig.runtime.resolve.ResolutionFailedException;
import io.quarkus.runtime.configuration.ConfigurationException;
import io.quarkus.runtime.util.ExceptionUtil;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * References with no vault configured: ONE configuration error that says how to configure a vault once (not once per
 * reference) and names every property, and that Quarkus prints as a configuration error: a
 * {@link ConfigurationException} that is the root cause of whatever wraps it, so Quarkus prints its message alone
 * instead of "Failed to start application" with a stack trace. Nothing else is logged.
 */
class NoVaultConfiguredTest {

    @Test
    void oneConfigurationErrorWithTheHintOnce() {
        SmallRyeConfig config = new SmallRyeConfigBuilder()
                .withSources(new PropertiesConfigSource(Map.of(
                        "GITHUB_TOKEN", "@kv:github-token",
                        "BOT_APP_PASSWORD", "@kv:bot-app-password",
                        "app.key", "@kv?:app-key"), "test", 250))
                .withInterceptors(new KvConfigInterceptor(null))
                .build();
        try (LogCapture capture = new LogCapture()) {
            assertThatThrownBy(() -> config.getConfigValue("GITHUB_TOKEN"))
                    .isInstanceOf(ResolutionFailedException.class)
                    .isInstanceOf(ConfigurationException.class)
                    .hasNoCause()
                    .satisfies(e -> {
                        String m = e.getMessage();
                        assertThat(m).startsWith("Could not resolve 3 of 3 Key Vault references:")
                                .contains("property 'GITHUB_TOKEN', secret 'github-token'")
                                .contains("property 'BOT_APP_PASSWORD', secret 'bot-app-password'")
                                .contains("property 'app.key', secret 'app-key'")
                                .contains("no vault configured");
                        // the hint once, for all three
                        assertThat(m.split("KEY_VAULT_URL", -1)).hasSize(2);
                        assertThat(m.split("quarkus\\.kvconfig\\.url", -1)).hasSize(2);
                        assertThat(((ConfigurationException) e).getConfigKeys())
                                .containsExactlyInAnyOrder("GITHUB_TOKEN", "BOT_APP_PASSWORD", "app.key");
                        // what Quarkus's ApplicationLifecycleManager tests before printing a config error's message
                        assertThat(ExceptionUtil.getRootCause(new RuntimeException("Failed to start quarkus", e)))
                                .isSameAs(e);
                    });
            // a second read (Quarkus reads again after the first error) fails the same way, without a new batch
            assertThatThrownBy(() -> config.getConfigValue("BOT_APP_PASSWORD")).isInstanceOf(ResolutionFailedException.class);
            String log = capture.text();
            assertThat(log.lines().filter(l -> l.matches("^(ERROR|SEVERE|FATAL|WARN|WARNING) .*"))).isEmpty();
            assertThat(log).doesNotContain("KEY_VAULT_URL");
        }
    }
}
