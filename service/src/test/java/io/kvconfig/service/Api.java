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

    /** A JSON string literal. */
    static String q(String s) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
