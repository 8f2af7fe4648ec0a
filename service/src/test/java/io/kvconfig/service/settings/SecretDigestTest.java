package io.kvconfig.service.settings;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;

import org.junit.jupiter.api.Test;

class SecretDigestTest {

    @Test
    void matchesOnlyTheValueSetAndNothingWhenUnset() {
        SecretDigest d = new SecretDigest();
        assertThat(d.matches("anything")).isFalse();
        assertThat(d.matches(null)).isFalse();
        d.set("s3cret-value");
        assertThat(d.matches("s3cret-value")).isTrue();
        assertThat(d.matches("s3cret-valu")).isFalse();
        assertThat(d.matches("s3cret-value ")).isFalse();
        assertThat(d.matches(null)).isFalse();
        d.set(null);
        assertThat(d.matches("s3cret-value")).isFalse();
    }

    @Test
    void aNewVersionIsReportedOnceAndNeverTheValueInEffect() {
        SecretDigest d = new SecretDigest();
        d.set("v1-value");
        assertThat(d.newVersion(Optional.of("v1-value"))).as("the startup value").isEmpty();
        assertThat(d.newVersion(Optional.empty())).isEmpty();
        assertThat(d.newVersion(Optional.of(""))).as("an empty value is never taken over").isEmpty();
        assertThat(d.newVersion(Optional.of("v2-value"))).contains("v2-value");
        // the owner did not take it (e.g. it failed validation): still not reported twice
        assertThat(d.newVersion(Optional.of("v2-value"))).isEmpty();
        d.set("v2-value");
        assertThat(d.newVersion(Optional.of("v3-value"))).contains("v3-value");
    }

    @Test
    void toStringHoldsNoValue() {
        SecretDigest d = new SecretDigest();
        d.set("never-printed-value");
        assertThat(d.toString()).doesNotContain("never-printed").isEqualTo("SecretDigest[set]");
    }
}
