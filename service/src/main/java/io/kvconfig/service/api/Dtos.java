package io.kvconfig.service.api;

import java.util.List;

import com.fasterxml.jackson.annotation.JsonInclude;

/** JSON shapes of the admin API. None of them ever carries a secret value. */
public final class Dtos {

    private Dtos() {
    }

    /** A setting as {@code GET /api/settings} shows it; {@code value} is always null for a secret. */
    public record Setting(String key, boolean secret, String reference, String value, String source) {
    }

    public record Settings(String envFile, List<Setting> settings) {
    }

    /**
     * What happened to one key: {@code stored} is keyvault (the secret is in Key Vault, {@code .env} has the reference),
     * env (a plain value or a given reference in {@code .env}), env-plaintext (a secret written to {@code .env} as a
     * value because no Key Vault is configured) or removed.
     */
    public record Change(String key, String stored, String reference) {
    }

    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record WriteResult(String status, boolean restartRequired, List<Change> changes, List<String> warnings) {
    }

    public record StoredSecret(String key, String secretName) {
    }

    public record NotStoredSecret(String key, String secretName, String reason) {
    }

    /** 502/503 answer when Key Vault did not take every secret: nothing was written to .env. */
    public record KeyVaultWriteFailure(String status, String message, List<StoredSecret> stored,
            List<NotStoredSecret> notStored) {
    }

    /**
     * 500 answer when {@code .env} could not be written after Key Vault stored the secrets listed in {@code stored}:
     * {@code reason} is the file and the system's error (e.g. "Permission denied"), never a value.
     */
    public record EnvWriteFailure(String status, String message, String reason, List<StoredSecret> stored) {
    }

    /**
     * One {@code @kv:} reference in the admin status: its startup status, and when its refreshes fail (it keeps serving
     * its last good value) since when and why ({@code staleSince}, ISO time; {@code staleKind}, the failure kind), else
     * both null. Never a value.
     */
    public record ReferenceView(String property, String reference, String secretName, String vaultUrl, String status,
            String detail, String staleSince, String staleKind) {
    }

    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record KeyVaultStatus(boolean configured, String vaultUrl, boolean reachable, String error,
            String credential, List<ReferenceView> references) {
    }

    public record Health(String status, String version) {
    }

    /**
     * {@code POST /api/keyvault/refresh}: what changed (names), what could not be re-read (it keeps its last value),
     * when, and whether the timed refresh ({@code quarkus.kvconfig.refresh.period}) is on. Never a value.
     */
    @JsonInclude(JsonInclude.Include.ALWAYS)
    public record RefreshAnswer(List<String> changedProperties, List<String> changedSecrets, List<RefreshFailure> failures,
            String at, boolean periodic) {
    }

    public record RefreshFailure(String property, String secretName, String vaultUrl, String reason) {
    }
}
