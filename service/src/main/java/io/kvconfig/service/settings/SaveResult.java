package io.kvconfig.service.settings;

import java.util.List;

import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.settings.Plan.Item;

/**
 * How a {@code PUT /api/settings} ended. The settings resource turns each into its HTTP answer; no variant holds a
 * value (items hide theirs).
 */
public sealed interface SaveResult {

    /** {@code .env} was written; Key Vault holds the KEYVAULT items' secrets. */
    record Saved(List<Item> items, List<String> warnings) implements SaveResult {
    }

    /** The body is over {@code kvconfig.service.max-body-bytes}; nothing was written. */
    record TooLarge(int maxBytes) implements SaveResult {
    }

    /** The body was refused, every problem listed; nothing was written. */
    record Invalid(List<ApiError.Problem> problems) implements SaveResult {
    }

    /**
     * The current settings refuse the request; {@code .env} was not changed. {@code stored}: the items Key Vault took
     * before the conflict was found under the {@code .env} lock (empty when nothing was written at all).
     */
    record Conflict(List<ApiError.Problem> problems, List<Item> stored) implements SaveResult {
    }

    /** The new {@code KEY_VAULT_URL} lacks secrets that {@code .env} references; nothing was written. */
    record NewVaultIncomplete(List<ApiError.Problem> missing) implements SaveResult {
    }

    /** Whether the new {@code KEY_VAULT_URL} has the secrets {@code unknown} could not be checked; nothing was written. */
    record NewVaultUnchecked(List<String> unknown, KeyVaultErrors.Described failure) implements SaveResult {
    }

    /** Key Vault did not store every secret (outcomes in request order); {@code .env} was not changed. */
    record KeyVaultFailed(List<SecretWriter.Outcome> outcomes) implements SaveResult {
    }

    /** {@code .env} could not be read or written; {@code stored}: what Key Vault already took (WRITE only). */
    record FileFailed(Stage stage, String reason, List<Item> stored) implements SaveResult {
        public enum Stage {
            /** Reading {@code .env} failed: nothing was written. */
            READ,
            /** The check before any Key Vault write (lock + temp file) failed: nothing was written. */
            PREFLIGHT,
            /** The {@code .env} write after the Key Vault writes failed. */
            WRITE
        }
    }
}
