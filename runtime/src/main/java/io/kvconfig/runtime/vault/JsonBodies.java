package io.kvconfig.runtime.vault;

import java.io.IOException;
import java.util.Map;

import com.azure.json.JsonProviders;
import com.azure.json.JsonReader;

/** The small JSON answers of Key Vault and the identity endpoint, read with azure-json (no mapping library). */
final class JsonBodies {

    private JsonBodies() {
    }

    /**
     * The body as a JSON object, or null when it is empty, not JSON or not an object. Never throws, and never quotes the
     * body (it may hold a token or a secret value).
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> object(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try (JsonReader r = JsonProviders.createReader(body)) {
            r.nextToken();
            return r.readUntyped() instanceof Map<?, ?> m ? (Map<String, Object>) m : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
