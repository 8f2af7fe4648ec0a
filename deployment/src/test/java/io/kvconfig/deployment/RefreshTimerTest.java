package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.logging.LogRecord;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.ObservesAsync;
import jakarta.inject.Inject;
import jakarta.inject.Provider;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logmanager.ExtLogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.refresh.SecretsRefreshed;
import io.quarkus.runtime.Startup;
import io.quarkus.test.QuarkusUnitTest;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.SecretKeys;
import io.smallrye.config.SmallRyeConfig;

/**
 * The timed refresh in an app ({@code quarkus.kvconfig.refresh.period=200ms}): it runs on its own, one GET per unpinned
 * secret per refresh and none for the pinned one (counted in the dev vault's journal, never timed); a new version is
 * seen through {@code Config.getValue}, a {@code Provider<String>} and {@code KeyVault.current}, not through a
 * {@code String} injected at startup nor a {@code @ConfigMapping} built at startup; {@link SecretsRefreshed} carries
 * names only; no value in any log record.
 */
class RefreshTimerTest {

    static final Vault VAULT = TestVaults.shared("refresh-timer", b -> b.secret("tm-rot", "tm-rot-value-1")
            .secret("tm-other", "tm-other-value-1"));
    static final String PINNED = TestVaults.once("refresh-timer-pinned", () -> VAULT.setSecret("tm-pinned", "tm-pinned-value-1"));

    @RegisterExtension
    static final QuarkusUnitTest TEST = TestVaults.pointAt(new QuarkusUnitTest(), VAULT)
            .withApplicationRoot(jar -> jar.addClasses(RefreshTimerTest.class, TestVaults.class, Vault.class, Consumer.class,
                    Observer.class, Mapped.class))
            .overrideConfigKey("quarkus.kvconfig.refresh.period", "200ms")
            .overrideConfigKey("quarkus.kvconfig.refresh.jitter", "0")
            .overrideConfigKey("app.rot", "@kv:tm-rot")
            .overrideConfigKey("app.other", "@kv:tm-other")
            .overrideConfigKey("app.pinned", "@kv:tm-pinned/" + PINNED)
            .overrideConfigKey("mapped.rot", "@kv:tm-rot")
            .setLogRecordPredicate(r -> true)
            .assertLogRecords(RefreshTimerTest::noValueLogged);

    @ConfigMapping(prefix = "mapped")
    interface Mapped {
        String rot();
    }

    /** Created at startup, so its String is the startup value. */
    @Startup
    @ApplicationScoped
    static class Consumer {
        @ConfigProperty(name = "app.rot")
        String injected;
        @ConfigProperty(name = "app.rot")
        Provider<String> provider;

        // through methods: a field read on the client proxy would not reach the bean
        String injected() {
            return injected;
        }

        String fromProvider() {
            return provider.get();
        }
    }

    @ApplicationScoped
    static class Observer {
        private final List<SecretsRefreshed> sync = new CopyOnWriteArrayList<>();
        private final List<SecretsRefreshed> async = new CopyOnWriteArrayList<>();

        List<SecretsRefreshed> sync() {
            return sync;
        }

        List<SecretsRefreshed> async() {
            return async;
        }

        void on(@Observes SecretsRefreshed e) {
            sync.add(e);
        }

        void onAsync(@ObservesAsync SecretsRefreshed e) {
            async.add(e);
        }
    }

    @Inject
    Consumer consumer;
    @Inject
    Observer observer;
    @Inject
    Mapped mapped;
    @Inject
    SmallRyeConfig config;
    @Inject
    KeyVault keyVault;

    @Test
    void theTimerRefreshesOneGetPerUnpinnedSecretAndNeverThePinnedOne() {
        VAULT.resetJournal();
        await(() -> VAULT.gets("tm-other") >= 6, "six timed refreshes");
        long rot = VAULT.gets("tm-rot");
        long other = VAULT.gets("tm-other");
        // both are read once in every refresh; the counts can differ by one refresh's half at each end: the reset
        // above can fall between a refresh's two GETs, and so can the reading of the two counts. Over six refreshes
        // a secret read every other time, or twice each time, would differ by three or more
        assertThat(Math.abs(rot - other)).isLessThanOrEqualTo(2);
        assertThat(VAULT.gets("tm-pinned")).isZero();
        assertThat(keyVault.refreshEnabled()).isTrue();
    }

    @Test
    void aRotationIsSeenThroughConfigProviderAndCurrentButNotAnInjectedString() {
        assertThat(consumer.injected()).isEqualTo("tm-rot-value-1");
        VAULT.setSecret("tm-rot", "tm-rot-value-2");

        await(() -> "tm-rot-value-2".equals(consumer.fromProvider()), "the new version through Provider<String>");

        assertThat(SecretKeys.doUnlocked(() -> config.getValue("app.rot", String.class))).isEqualTo("tm-rot-value-2");
        assertThat(keyVault.current("app.rot")).contains("tm-rot-value-2");
        assertThat(keyVault.current("app.pinned")).contains("tm-pinned-value-1");
        // Quarkus semantics: a String injected at startup keeps its value
        assertThat(consumer.injected()).isEqualTo("tm-rot-value-1");
        // SmallRye builds a @ConfigMapping once, when the config is built; looked up again it is that same instance
        assertThat(mapped.rot()).isEqualTo("tm-rot-value-1");
        assertThat(config.getConfigMapping(Mapped.class).rot()).isEqualTo("tm-rot-value-1");

        await(() -> !observer.async().isEmpty(), "the asynchronous event");
        for (List<SecretsRefreshed> events : List.of(observer.sync(), observer.async())) {
            SecretsRefreshed e = events.stream().filter(x -> x.secrets().contains("tm-rot")).findFirst().orElseThrow();
            assertThat(e.properties()).contains("app.rot", "mapped.rot").doesNotContain("app.other", "app.pinned");
            assertThat(e.secrets()).containsExactly("tm-rot");
            assertThat(e.toString()).doesNotContain("tm-rot-value");
        }
        assertThat(keyVault.staleReferences()).isEmpty();
    }

    static void await(BooleanSupplier condition, String what) {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not seen within 60 s: " + what);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError(e);
            }
        }
    }

    static void noValueLogged(List<LogRecord> records) {
        for (LogRecord r : records) {
            String m = r instanceof ExtLogRecord e ? e.getFormattedMessage() : r.getMessage();
            assertThat(String.valueOf(m)).doesNotContain("tm-rot-value").doesNotContain("tm-other-value")
                    .doesNotContain("tm-pinned-value");
            for (Throwable t = r.getThrown(); t != null; t = t.getCause()) {
                assertThat(String.valueOf(t.getMessage())).doesNotContain("-value-");
            }
        }
    }
}
