package io.kvconfig.service;

import static io.restassured.RestAssured.given;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;

import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;

/** Small helpers shared by the API tests. */
final class Api {

    private Api() {
    }

    static RequestSpecification admin() {
        return given().header("Authorization", "Bearer " + TestVault.ADMIN_SECRET);
    }

    static Response put(String json) {
        return admin().contentType("application/json").body(json).put("/api/settings");
    }

    static String envText() {
        try {
            return Files.readString(TestVault.envFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] envBytes() {
        try {
            return Files.readAllBytes(TestVault.envFile);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String envMode() {
        try {
            return PosixFilePermissions.toString(Files.getPosixFilePermissions(TestVault.envFile));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The vault holds {@code expected} under {@code name}; a failure never shows either value. */
    static void assertHolds(io.kvconfig.devvault.DevVault vault, String name, String expected) {
        java.util.Optional<String> actual = vault.secretValue(name);
        org.assertj.core.api.Assertions.assertThat(actual.isPresent() && actual.get().equals(expected))
                .as("secret '%s' holds the expected value (%s; values not shown)", name,
                        actual.isPresent() ? "it holds another" : "it does not exist")
                .isTrue();
    }

    /** The vault does not hold {@code value} under {@code name} (absent or another value); never shows either. */
    static void assertDoesNotHold(io.kvconfig.devvault.DevVault vault, String name, String value) {
        org.assertj.core.api.Assertions.assertThat(vault.secretValue(name).filter(value::equals).isPresent())
                .as("secret '%s' must not hold that value (values not shown)", name).isFalse();
    }

    /** The vault's secret is as it was ({@code before} = its value then, or empty); never shows either value. */
    static void assertUnchanged(io.kvconfig.devvault.DevVault vault, String name, java.util.Optional<String> before) {
        org.assertj.core.api.Assertions.assertThat(vault.secretValue(name).equals(before))
                .as("secret '%s' is unchanged (values not shown)", name).isTrue();
    }

    /** A JSON string literal. */
    static String q(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
