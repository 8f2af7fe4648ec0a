package io.kvconfig.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.KvConfigRuntime;
import io.kvconfig.runtime.dotenv.DotEnvConfigSource;
import io.kvconfig.runtime.resolve.LogCapture;
import io.kvconfig.runtime.resolve.ResolutionFailedException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

/**
 * One {@code .env} line {@code ADMIN_SECRET=@kv:...} that SmallRye also lists under its dotted name
 * ({@code admin.secret}, here also written with a trailing blank by another source) is ONE reference: counted once in
 * the aggregated startup error and in the one INFO line, and its value answers under both names. The batch runs in a
 * real SmallRye config with the extension's interceptor, against the in-process dev vault.
 */
class ReferenceBatchAliasTest {

    static final String VALUE = "alias-admin-value-91";

    @TempDir
    static Path tmp;
    static DevVault vault;

    @BeforeAll
    static void start() {
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("tls")).build().start();
        vault.setSecret("admin-secret", VALUE);
    }

    @AfterAll
    static void stop() {
        KvConfigRuntime.shutdown();
        vault.close();
    }

    @Test
    void aliasesCollapseByParsedReference() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("admin.secret", "@kv:admin-secret \r");
        in.put("ADMIN_SECRET", "@kv:admin-secret");
        in.put("other.name", "@kv:admin-secret"); // another property: kept
        in.put("ADMIN_SECRET_X", "  @kv:broken_name");
        in.put("admin.secret.x", "@kv:broken_name"); // malformed: compared as stripped text
        assertThat(ReferenceBatch.withoutAliases(in)).containsOnlyKeys("ADMIN_SECRET", "other.name", "ADMIN_SECRET_X");
    }

    @Test
    void theStartupErrorListsTheReferenceOnce() throws Exception {
        SmallRyeConfig config = config("@kv:not-in-vault", Map.of("quarkus.kvconfig.url", vault.vaultUrl()));
        assertThatThrownBy(() -> config.getConfigValue("ADMIN_SECRET"))
                .isInstanceOf(ResolutionFailedException.class)
                .satisfies(e -> {
                    String m = e.getMessage();
                    assertThat(m).contains("Could not resolve 1 of 1 Key Vault reference:").contains("not-in-vault");
                    assertThat(m.split("\n  - ")).hasSize(2);
                    assertThat(m).contains("ADMIN_SECRET").doesNotContain("admin.secret");
                });
    }

    @Test
    void oneInfoLineCountsItOnceAndBothNamesAnswer() throws Exception {
        SmallRyeConfig config = config("@kv:admin-secret", Map.of());
        try (LogCapture capture = new LogCapture()) {
            assertThat(config.getConfigValue("ADMIN_SECRET").getValue()).isEqualTo(VALUE);
            assertThat(config.getConfigValue("admin.secret").getValue()).isEqualTo(VALUE);
            String log = capture.text();
            assertThat(log).doesNotContain(VALUE);
            assertThat(log.lines().filter(l -> l.startsWith("INFO io.kvconfig")).toList())
                    .singleElement().asString()
                    .matches("INFO io\\.kvconfig Key Vault: resolved 1 references to 1 secrets in \\d+ ms"
                            + " \\(fetch \\d+ ms, 1 requests\\)");
            assertThat(log).contains("Resolved 1 Key Vault reference (1 secret, 1 request)"); // the resolver's, at DEBUG
            assertThat(log.lines().filter(l -> l.contains("Resolved 1 Key Vault")).toList()).singleElement().asString()
                    .startsWith("DEBUG ");
        }
    }

    @Test
    void anOptionalReferenceNotFoundIsCountedApartFromTheResolvedOnes() throws Exception {
        SmallRyeConfig config = config("@kv:admin-secret", Map.of("app.gone", "@kv?:gone-secret",
                "app.also", "@kv:ADMIN-SECRET"));
        try (LogCapture capture = new LogCapture()) {
            assertThat(config.getConfigValue("ADMIN_SECRET").getValue()).isEqualTo(VALUE);
            assertThat(config.getConfigValue("app.gone").getValue()).isNull();
            String log = capture.text();
            assertThat(log.lines().filter(l -> l.startsWith("INFO io.kvconfig")).toList())
                    .singleElement().asString()
                    .matches("INFO io\\.kvconfig Key Vault: resolved 2 references to 1 secrets in \\d+ ms"
                            + " \\(fetch \\d+ ms, 2 requests\\); 1 optional reference not found \\(left unset\\):"
                            + " app\\.gone \\(secret 'gone-secret'\\)");
            assertThat(log).doesNotContain(VALUE);
        }
    }

    private SmallRyeConfig config(String reference, Map<String, String> overrides) throws Exception {
        Path env = Files.createTempDirectory(tmp, "env").resolve(".env");
        Files.writeString(env, "# one line\nADMIN_SECRET=" + reference + "\n");
        Map<String, String> props = new HashMap<>();
        props.put("quarkus.kvconfig.url", vault.vaultUrl());
        props.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
        props.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
        props.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
        props.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
        props.put("quarkus.kvconfig.challenge-resource-verification", "false");
        props.putAll(overrides);
        return new SmallRyeConfigBuilder()
                .withSources(new DotEnvConfigSource(env))
                .withSources(new PropertiesConfigSource(props, "kvconfig-test", 250))
                // the dotted name of the same line, as another source spells it (a trailing blank)
                .withSources(new PropertiesConfigSource(Map.of("admin.secret", reference + " "), "alias", 400))
                .withInterceptors(new KvConfigInterceptor(null))
                .build();
    }
}
