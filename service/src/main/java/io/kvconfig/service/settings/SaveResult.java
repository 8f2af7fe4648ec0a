package io.kvconfig.service.settings;

import java.util.List;

import io.kvconfig.service.api.ApiError;
import io.kvconfig.service.settings.Plan.Item;

/** How a {@code PUT /api/settings} ended; the settings resource answers each. No variant holds a value. */
public sealed interface SaveResult {

    /**
     * {@code .env} was written; Key Vault holds the KEYVAULT items' secrets. {@code appliedNow}: every item only set a
     * new version of a secret the running config already references (unpinned), refresh is on, and the service
     * refreshed those secrets at once, so no restart is needed.
     */
    record Saved(List<Item> items, List<String> warnings, boolean appliedNow) implements SaveResult {
    }

    /** The body is over {@code kvconfig.service.max-body-bytes}; nothing was written. */
    record TooLarge(int maxBytes) implements SaveResult {
    }

    /** The body was refused, every problem listed; nothing was written. */
    record Invalid(List<ApiError.Problem> problems) implements SaveResult {
    }

    /** The settings refuse it; {@code .env} unchanged. {@code stored}: what Key Vault took before the lock found it. */
    record Conflict(List<ApiError.Problem> problems, List<Item> stored) implements SaveResult {
    }

    /** The new {@code KEY_VAULT_URL} lacks secrets that {@code .env} references; nothing was written. */
    record NewVaultIncomplete(List<ApiError.Problem> missing) implements SaveResult {
    }

    /** Whether the new {@code KEY_VAULT_URL} has the secrets {@code unknown} could not be checked; nothing was written. */
    record NewVaultUnchecked(List<String> unknown, KeyVaultErrors.Described failure) implements SaveResult {
    }

    /** Key Vault did not store every secret (outcomes in request order); {@code .env} unchanged. */
    record KeyVaultFailed(List<SecretWriter.Outcome> outcomes) implements SaveResult {
    }

    /** {@code .env} could not be read, checked (before any Key Vault write) or written; {@code stored}: WRITE only. */
    record FileFailed(Stage stage, String reason, List<Item> stored) implements SaveResult {
        public enum Stage {
            READ, PREFLIGHT, WRITE
        }
    }
}
