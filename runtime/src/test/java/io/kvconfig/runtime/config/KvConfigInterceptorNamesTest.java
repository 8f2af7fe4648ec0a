package io.kvconfig.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

class KvConfigInterceptorNamesTest {

    @Test
    void dottedFormOnlyForEnvStyleNames() {
        assertThat(ReferenceBatch.dottedForm("GITHUB_TOKEN")).isEqualTo("github.token");
        assertThat(ReferenceBatch.dottedForm("A1_B2")).isEqualTo("a1.b2");
        assertThat(ReferenceBatch.dottedForm("github.token")).isNull();
        assertThat(ReferenceBatch.dottedForm("Github_Token")).isNull();
    }

    @Test
    void envFormMatchesSmallRyeRules() {
        assertThat(KvConfigMapping.envForm("github.token")).isEqualTo("GITHUB_TOKEN");
        assertThat(KvConfigMapping.envForm("quarkus.datasource.\"db-1\".password"))
                .isEqualTo("QUARKUS_DATASOURCE__DB_1__PASSWORD");
        assertThat(KvConfigMapping.envForm("GITHUB_TOKEN")).isEqualTo("GITHUB_TOKEN");
    }

    @Test
    void aliasesOfOneEnvEntryCountOnceUnderTheWrittenName() {
        Map<String, String> in = new LinkedHashMap<>();
        in.put("github.token", "@kv:github-token");
        in.put("GITHUB_TOKEN", "@kv:github-token");
        in.put("app.other", "@kv:github-token");
        in.put("APP_X", "@kv:x");
        in.put("app.x", "@kv:y"); // same env form, different value: a different property
        assertThat(ReferenceBatch.withoutAliases(in)).containsOnlyKeys("GITHUB_TOKEN", "app.other", "APP_X", "app.x");
    }
}
