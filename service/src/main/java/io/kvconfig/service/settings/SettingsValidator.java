package io.kvconfig.service.settings;

import io.kvconfig.service.api.ApiError;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;

import io.kvconfig.runtime.reference.InvalidReferenceException;
import io.kvconfig.runtime.reference.SecretReference;
import io.kvconfig.runtime.reference.SecretReferenceParser;

/**
 * Validates a {@code PUT /api/settings} body before anything is written. Pure: no I/O, no state. Collects every
 * problem; a problem never contains a value (invalid input is described, not echoed), and a key is shown only when
 * it looks like a key.
 */
public final class SettingsValidator {

    /** The default vault's URL: writable, but only as a Key Vault URL (see SettingsPlanner for the vault check). */
    public static final String KEY_VAULT_URL = "KEY_VAULT_URL";
    /** The admin token's setting: writable, but only as a long token without whitespace, and never removed. */
    public static final String ADMIN_SECRET = "ADMIN_SECRET";

    public static final Pattern KEY = Pattern.compile("[A-Z][A-Z0-9_]*");
    static final int MAX_KEY_LENGTH = 127; // a derived secret name must fit Key Vault's 127
    private static final Pattern SHOWABLE_KEY = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    /** The outcome: changes in body order (null value = remove) or problems; exactly one is non-empty. */
    public record Result(Map<String, String> changes, List<ApiError.Problem> problems) {
        public boolean valid() {
            return problems.isEmpty();
        }

        @Override
        public String toString() {
            return "Result[keys=" + changes.keySet() + ", problems=" + problems + "]";
        }
    }

    /** The admin token's minimum length in characters. */
    static final int MIN_ADMIN_SECRET_LENGTH = 16;

    private final ObjectReader reader;
    private final Set<String> secretKeys;
    private final int maxValueBytes;
    private final WritePolicy policy;
    private final boolean devOrTest;

    /** The default write policy, production rules for vault hosts. */
    public SettingsValidator(ObjectMapper mapper, Set<String> secretKeys, int maxValueBytes) {
        this(mapper, secretKeys, maxValueBytes, WritePolicy.defaults(), false);
    }

    /**
     * @param devOrTest dev or test launch mode: vault URLs on a loopback host (the dev vault) are accepted too
     */
    public SettingsValidator(ObjectMapper mapper, Set<String> secretKeys, int maxValueBytes, WritePolicy policy,
            boolean devOrTest) {
        this.reader = mapper.reader().withFeatures(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.secretKeys = secretKeys;
        this.maxValueBytes = maxValueBytes;
        this.policy = policy;
        this.devOrTest = devOrTest;
    }

    public Result validate(String body) {
        List<ApiError.Problem> problems = new ArrayList<>();
        Map<String, String> changes = new LinkedHashMap<>();
        JsonNode root;
        try {
            root = body == null || body.isBlank() ? null : reader.readTree(body);
        } catch (JsonParseException e) {
            // Jackson's message can quote the input: describe the position only
            String what = e.getOriginalMessage() != null && e.getOriginalMessage().startsWith("Duplicate field")
                    ? "a key appears more than once"
                    : "not valid JSON";
            return new Result(Map.of(), List.of(new ApiError.Problem(null, "body is " + (what.startsWith("a ") ? "invalid: " : "")
                    + what + " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")")));
        } catch (JsonProcessingException e) {
            return new Result(Map.of(), List.of(new ApiError.Problem(null, "body is not valid JSON")));
        }
        if (root == null || root.isMissingNode()) {
            return new Result(Map.of(), List.of(new ApiError.Problem(null, "body is empty: send a JSON object {\"KEY\": \"value\"}")));
        }
        if (!root.isObject()) {
            return new Result(Map.of(), List.of(new ApiError.Problem(null, "body must be a JSON object {\"KEY\": \"value\", ...}")));
        }
        if (root.isEmpty()) {
            return new Result(Map.of(), List.of(new ApiError.Problem(null, "body has no settings")));
        }
        int index = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> field = it.next();
            index++;
            String key = field.getKey();
            String shown = SHOWABLE_KEY.matcher(key).matches() ? key : null;
            int before = problems.size();
            if (key.length() > MAX_KEY_LENGTH) {
                problems.add(new ApiError.Problem(shown, "key #" + index + " is longer than " + MAX_KEY_LENGTH + " characters"));
            } else if (!KEY.matcher(key).matches()) {
                problems.add(new ApiError.Problem(shown, (shown == null ? "key #" + index + " " : "key ")
                        + "is invalid: keys must match [A-Z][A-Z0-9_]*"));
            } else {
                policy.refusal(key).ifPresent(why -> problems.add(new ApiError.Problem(key, why)));
            }
            JsonNode node = field.getValue();
            String value = null;
            if (node.isNull()) {
                value = null;
            } else if (!node.isTextual()) {
                problems.add(new ApiError.Problem(shown, "value must be a string, or null to remove the key (got "
                        + node.getNodeType().name().toLowerCase() + ")"));
            } else {
                value = node.textValue();
                // "" removes the key: nothing to check in it
                String problem = value.isEmpty() ? null : valueProblem(key, value);
                if (problem != null) {
                    problems.add(new ApiError.Problem(shown, problem));
                }
            }
            if (problems.size() == before) {
                // "" and null both remove the key
                changes.put(key, value == null || value.isEmpty() ? null : value);
            }
        }
        return problems.isEmpty() ? new Result(changes, List.of()) : new Result(Map.of(), problems);
    }

    private String valueProblem(String key, String value) {
        if (value.getBytes(StandardCharsets.UTF_8).length > maxValueBytes) {
            return "value is longer than " + maxValueBytes + " bytes";
        }
        boolean secret = secretKeys.contains(key);
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == 0) {
                return "value contains a NUL character (an environment variable cannot hold it)";
            }
            if (Character.isHighSurrogate(c) && i + 1 < value.length() && Character.isLowSurrogate(value.charAt(i + 1))) {
                i++;
                continue;
            }
            if (Character.isSurrogate(c)) {
                return "value is not valid Unicode (unpaired surrogate)";
            }
            if (c < 0x20 || c == 0x7f) {
                if (!secret) {
                    return "value contains a control character (at position " + i + "); plain settings are single-line text";
                }
                if (c != '\n' && c != '\r' && c != '\t') {
                    return "value contains a control character (at position " + i + "); secret values may contain only "
                            + "newline, carriage return and tab";
                }
            }
        }
        if (SecretReferenceParser.isReference(value)) {
            SecretReference reference;
            try {
                reference = SecretReferenceParser.parse(value);
            } catch (InvalidReferenceException e) {
                // the parser's message quotes the input, which could be a pasted secret: not shown
                return "value starts like a Key Vault reference but is not a valid one; expected @kv:<name>, @kv:<name>/<version> or @kv:https://<vault-host>/secrets/<name>[/<version>]";
            }
            if (reference.vaultUrl() != null) {
                Optional<String> refused = VaultHosts.refusal(reference.vaultUrl(), devOrTest);
                if (refused.isPresent()) {
                    return "the reference's vault " + refused.get();
                }
            }
            if (KEY_VAULT_URL.equals(key)) {
                return "KEY_VAULT_URL must be the vault's URL (https://<name>.vault.azure.net), not a Key Vault reference";
            }
            return null;
        }
        if (KEY_VAULT_URL.equals(key)) {
            return VaultHosts.refusal(value, devOrTest).map(why -> "KEY_VAULT_URL " + why).orElse(null);
        }
        if (ADMIN_SECRET.equals(key)) {
            return adminSecretProblem(value);
        }
        return null;
    }

    /**
     * The admin token is compared exactly with what clients send: whitespace or control characters (a trailing
     * newline pasted with it) would lock everyone out after the restart, and a short one can be guessed.
     */
    static String adminSecretProblem(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (Character.isWhitespace(c) || Character.isSpaceChar(c) || Character.isISOControl(c)) {
                return "ADMIN_SECRET must not contain whitespace or control characters (found one at position " + i
                        + "): clients send it verbatim in 'Authorization: Bearer <ADMIN_SECRET>'";
            }
        }
        if (value.codePointCount(0, value.length()) < MIN_ADMIN_SECRET_LENGTH) {
            return "ADMIN_SECRET must be at least " + MIN_ADMIN_SECRET_LENGTH + " characters long";
        }
        return null;
    }
}
