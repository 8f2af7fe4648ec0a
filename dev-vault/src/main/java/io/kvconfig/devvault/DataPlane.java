package io.kvconfig.devvault;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The Key Vault secrets REST API: challenge auth, firewall, faults, then the operation. */
final class DataPlane {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final Set<String> API_VERSIONS = Set.of("2015-06-01", "2016-10-01", "7.0", "7.1", "7.2", "7.3", "7.4",
            "7.5", "7.6", "2025-07-01");
    private static final Pattern PREVIEW_VERSION = Pattern.compile("7\\.\\d-preview(\\.\\d+)?|\\d{4}-\\d{2}-\\d{2}-preview");
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9.\\-]+(:\\d{1,5})?|\\[[0-9a-fA-F:.]+\\](:\\d{1,5})?");
    private static final int DEFAULT_PAGE = 25;

    private final Coordinates coordinates;
    private final Tokens tokens;
    private final Firewall firewall;
    private final Faults faults;
    private final Journal journal;
    private final SecretStore store;
    private final SecretAccess access;
    private final Supplier<String> vaultUrl;

    DataPlane(Coordinates coordinates, Tokens tokens, Firewall firewall, Faults faults, Journal journal,
            SecretStore store, SecretAccess access, Supplier<String> vaultUrl) {
        this.coordinates = coordinates;
        this.tokens = tokens;
        this.firewall = firewall;
        this.faults = faults;
        this.journal = journal;
        this.store = store;
        this.access = access;
        this.vaultUrl = vaultUrl;
    }

    /** Operation per route shape and method: a shape missing here is 404, a method missing for its shape 405. */
    private static final Map<String, Map<String, String>> ROUTES = Map.of(
            "secrets", Map.of("GET", "GetSecrets"),
            "secrets/{name}", Map.of("GET", "GetSecret", "PUT", "SetSecret", "PATCH", "UpdateSecret",
                    "DELETE", "DeleteSecret"),
            "secrets/{name}/versions", Map.of("GET", "GetSecretVersions"),
            "secrets/{name}/{version}", Map.of("GET", "GetSecret", "PATCH", "UpdateSecret"),
            "deletedsecrets", Map.of("GET", "GetDeletedSecrets"),
            "deletedsecrets/{name}", Map.of("GET", "GetDeletedSecret", "DELETE", "PurgeDeletedSecret"),
            "deletedsecrets/{name}/recover", Map.of("POST", "RecoverDeletedSecret"));

    /** Operation name for a data-plane route and method; null = route exists but method is not allowed. */
    static String operation(List<String> s, String method) {
        String root = s.get(0).toLowerCase(Locale.ROOT);
        String keyword = root.equals("secrets") ? "versions" : "recover";
        String shape = switch (s.size()) {
            case 1 -> root;
            case 2 -> root + "/{name}";
            case 3 -> root + "/{name}/" + (s.get(2).equalsIgnoreCase(keyword) ? keyword : "{version}");
            default -> "";
        };
        Map<String, String> methods = ROUTES.get(shape);
        return methods == null ? "NotFound" : methods.get(method);
    }

    void handle(Request r) throws IOException {
        r.answerHeaders.put("x-ms-keyvault-network-info", "conn_type=Ipv4;addr=" + coordinates.publicIp()
                + ";act_addr_fam=InterNetwork;");
        r.answerHeaders.put("x-ms-keyvault-region", coordinates.location());
        r.answerHeaders.put("x-ms-keyvault-service-version", "1.9.0.0");
        String op = operation(r.segments, r.method);
        Tokens.Check check = tokens.check(r.header("Authorization"), Tokens.VAULT_RESOURCE);
        if (check != Tokens.Check.VALID) {
            r.operation = "Challenge";
            String challenge = "Bearer authorization=\"https://login.microsoftonline.com/" + coordinates.tenantId()
                    + "\", resource=\"" + Tokens.VAULT_RESOURCE + "\"";
            throw new ServiceError(401, "Unauthorized", switch (check) {
                case MISSING -> "AKV10000: Request is missing a Bearer or PoP token.";
                case EXPIRED -> "AKV10021: Invalid token: the token has expired.";
                case WRONG_AUDIENCE -> "AKV10022: Invalid audience. Expected " + Tokens.VAULT_RESOURCE + ".";
                default -> "AKV10019: Invalid token: the token was not issued by this vault's authority.";
            }, null, Map.of("WWW-Authenticate", challenge));
        }
        r.operation = op == null ? "MethodNotAllowed" : op;
        checkApiVersion(r.param("api-version"));
        if (op == null) {
            throw new ServiceError(405, "MethodNotAllowed",
                    "The requested resource does not support http method '" + r.method + "'.");
        }
        if (op.equals("NotFound")) {
            throw new ServiceError(404, "NotFound", "The requested resource was not found.");
        }
        if (r.segments.size() >= 2) {
            SecretStore.checkName(r.segments.get(1));
        }
        String version = r.segments.size() == 3 && !r.segments.get(2).equalsIgnoreCase("versions")
                && !r.segments.get(2).equalsIgnoreCase("recover") ? r.segments.get(2) : null;
        if (version != null && !SecretStore.VERSION.matcher(version).matches()) {
            throw ServiceError.badParameter("The request URI contains an invalid version: " + version);
        }
        checkFirewall(r);
        checkAccess(op, r.segments.size() >= 2 ? r.segments.get(1) : null);
        applyFaults(r);
        String base = baseUrl(r);
        switch (op) {
            case "SetSecret" -> setSecret(r, base);
            case "GetSecret" -> {
                SecretStore.Version v = store.get(r.segments.get(1), version);
                r.sendJson(200, bundle(base, store.nameOf(r.segments.get(1)), v, true));
            }
            case "UpdateSecret" -> updateSecret(r, base, version);
            case "DeleteSecret" -> {
                SecretStore.Secret s = store.delete(r.segments.get(1));
                r.sendJson(200, deletedBundle(base, s));
            }
            case "GetSecrets" -> listSecrets(r, base, false);
            case "GetDeletedSecrets" -> listSecrets(r, base, true);
            case "GetSecretVersions" -> listVersions(r, base);
            case "GetDeletedSecret" -> r.sendJson(200, deletedBundle(base, store.getDeleted(r.segments.get(1))));
            case "RecoverDeletedSecret" -> {
                SecretStore.Secret s = store.recover(r.segments.get(1));
                r.sendJson(200, bundle(base, s.name, s.latest(), false));
            }
            case "PurgeDeletedSecret" -> {
                store.purge(r.segments.get(1));
                r.sendEmpty(204);
            }
            default -> throw new ServiceError(404, "NotFound", "The requested resource was not found.");
        }
    }

    static void checkApiVersion(String apiVersion) {
        if (apiVersion == null || apiVersion.isEmpty()) {
            throw ServiceError.badParameter("The api-version query parameter is missing. Consider using the latest"
                    + " supported version (2025-07-01).");
        }
        if (!API_VERSIONS.contains(apiVersion) && !PREVIEW_VERSION.matcher(apiVersion).matches()) {
            throw ServiceError.badParameter("The specified version (" + apiVersion
                    + ") is not recognized. Consider using the latest supported version (2025-07-01).");
        }
    }

    private void checkFirewall(Request r) {
        String ip = coordinates.publicIp();
        String caller = "Caller: appid=" + tokens.clientId() + ";oid=" + tokens.objectId() + ";iss="
                + tokens.issuer();
        String vaultLine = "Vault: " + coordinates.vaultName() + ";location=" + coordinates.location();
        switch (firewall.decide(ip)) {
            case FORBIDDEN_BY_FIREWALL -> {
                journal.outcome("ForbiddenByFirewall");
                throw new ServiceError(403, "Forbidden", "Client address is not authorized and caller is not a"
                        + " trusted service.\r\nClient address: " + ip + "\r\n" + caller + "\r\n" + vaultLine,
                        "ForbiddenByFirewall");
            }
            case FORBIDDEN_BY_CONNECTION -> {
                journal.outcome("ForbiddenByConnection");
                throw new ServiceError(403, "Forbidden", "Public network access is disabled and request is not from"
                        + " a trusted service nor via an approved private link.\r\n" + caller + "\r\n" + vaultLine,
                        "ForbiddenByConnection");
            }
            default -> {
            }
        }
    }

    /** Authorization (RBAC or access policies) after the firewall, as Key Vault checks them. */
    private void checkAccess(String op, String secretName) {
        SecretAccess.Need denied = access.denied(op, secretName);
        if (denied != null) {
            journal.outcome(access.usesAccessPolicies() ? "AccessDenied" : "ForbiddenByRbac");
            throw access.forbidden(denied, secretName, coordinates, tokens);
        }
    }

    private void applyFaults(Request r) {
        Faults.Action action = faults.next();
        if (action instanceof Faults.Drop) {
            journal.outcome("DroppedConnection");
            throw new Request.DropConnection();
        }
        if (action instanceof Faults.Fail f) {
            journal.outcome("InjectedFailure");
            throw new ServiceError(f.status(), f.status() == 503 ? "ServiceUnavailable" : "InternalServerError",
                    f.status() == 503 ? "The service is temporarily unavailable. Please retry later."
                            : "The server encountered an internal error. Please retry the request.");
        }
        if (action instanceof Faults.Throttle t) {
            journal.outcome("Throttled");
            if (t.retryAfterSeconds() == null) {
                journal.outcome("ThrottledWithoutRetryAfter");
            }
            if (t.serviceLimit()) {
                journal.outcome("ServiceLimitReached");
            }
            throw new ServiceError(429, "Throttled", "Request was not processed because too many requests were"
                    + " received. Reason: VaultRequestTypeLimitReached", null, t.retryAfterSeconds() == null
                            ? Map.of() : Map.of("Retry-After", Integer.toString(t.retryAfterSeconds())));
        }
    }

    private void setSecret(Request r, String base) throws IOException {
        ObjectNode body = r.jsonBody();
        JsonNode value = body.get("value");
        if (value == null || !value.isTextual()) {
            throw ServiceError.badParameter("The parameter 'value' is required and must be a string.");
        }
        SecretStore.Secret s = store.set(r.segments.get(1), value.asText(), text(body, "contentType"),
                tags(body), attributes(body));
        r.sendJson(200, bundle(base, s.name, s.latest(), true));
    }

    private void updateSecret(Request r, String base, String version) throws IOException {
        ObjectNode body = r.jsonBody();
        SecretStore.Version v = store.update(r.segments.get(1), version, text(body, "contentType"), tags(body),
                attributes(body));
        r.sendJson(200, bundle(base, store.nameOf(r.segments.get(1)), v, false));
    }

    private void listSecrets(Request r, String base, boolean deletedOnes) throws IOException {
        int max = maxResults(r);
        String after = skipToken(r);
        List<SecretStore.Secret> page = deletedOnes ? store.listDeleted(after, max)
                : store.listActive(after, max);
        ObjectNode root = JSON.objectNode();
        ArrayNode items = root.putArray("value");
        for (int i = 0; i < Math.min(max, page.size()); i++) {
            SecretStore.Secret s = page.get(i);
            ObjectNode item = item(base + "/secrets/" + s.name, s.latest());
            if (deletedOnes) {
                deletedFields(item, base, s);
            }
            items.add(item);
        }
        String next = page.size() > max
                ? nextLink(base + (deletedOnes ? "/deletedsecrets" : "/secrets"), r, SecretStore.key(page.get(max - 1).name), max)
                : null;
        root.put("nextLink", next);
        r.sendJson(200, root);
    }

    private void listVersions(Request r, String base) throws IOException {
        int max = maxResults(r);
        String after = skipToken(r);
        String name = r.segments.get(1);
        List<SecretStore.Version> page = store.listVersions(name, after, max);
        String stored = store.nameOf(name);
        ObjectNode root = JSON.objectNode();
        ArrayNode items = root.putArray("value");
        for (int i = 0; i < Math.min(max, page.size()); i++) {
            SecretStore.Version v = page.get(i);
            items.add(item(base + "/secrets/" + stored + "/" + v.id, v));
        }
        root.put("nextLink", page.size() > max
                ? nextLink(base + "/secrets/" + stored + "/versions", r, page.get(max - 1).id, max) : null);
        r.sendJson(200, root);
    }

    private static int maxResults(Request r) {
        String m = r.param("maxresults");
        if (m == null || m.isEmpty()) {
            return DEFAULT_PAGE;
        }
        try {
            int n = Integer.parseInt(m);
            if (n >= 1 && n <= 25) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the error
        }
        throw ServiceError.badParameter("Invalid value for maxresults: " + m + ". It must be between 1 and 25.");
    }

    private static String skipToken(Request r) {
        String t = r.param("$skiptoken");
        if (t == null || t.isEmpty()) {
            return null;
        }
        try {
            return new String(Base64.getUrlDecoder().decode(t), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw ServiceError.badParameter("Invalid $skiptoken.");
        }
    }

    /** As Key Vault writes it: api-version, $skiptoken, and maxresults only when the request had it. */
    private static String nextLink(String url, Request r, String lastKey, int max) {
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(lastKey.getBytes(StandardCharsets.UTF_8));
        String m = r.param("maxresults");
        return url + "?api-version=" + r.param("api-version") + "&$skiptoken=" + token
                + (m == null || m.isEmpty() ? "" : "&maxresults=" + max);
    }

    /** Ids and links use the host the client called (it may reach the vault under another name than localhost). */
    private String baseUrl(Request r) {
        String host = r.header("Host");
        if (host != null && HOST.matcher(host).matches()) {
            return "https://" + host;
        }
        return vaultUrl.get();
    }

    ObjectNode bundle(String base, String name, SecretStore.Version v, boolean withValue) {
        ObjectNode b = JSON.objectNode();
        if (withValue) {
            b.put("value", v.value);
        }
        b.put("id", base + "/secrets/" + name + "/" + v.id);
        if (v.contentType != null) {
            b.put("contentType", v.contentType);
        }
        b.set("attributes", attributesJson(v));
        if (v.tags != null) {
            ObjectNode t = b.putObject("tags");
            v.tags.forEach(t::put);
        }
        return b;
    }

    private ObjectNode deletedBundle(String base, SecretStore.Secret s) {
        ObjectNode b = JSON.objectNode();
        deletedFields(b, base, s);
        b.setAll(bundle(base, s.name, s.latest(), false));
        return b;
    }

    private static void deletedFields(ObjectNode node, String base, SecretStore.Secret s) {
        node.put("recoveryId", base + "/deletedsecrets/" + s.name);
        node.put("deletedDate", s.deletedDate);
        node.put("scheduledPurgeDate", s.scheduledPurgeDate);
    }

    private ObjectNode item(String id, SecretStore.Version v) {
        ObjectNode item = JSON.objectNode();
        item.put("id", id);
        item.set("attributes", attributesJson(v));
        if (v.tags != null) {
            ObjectNode t = item.putObject("tags");
            v.tags.forEach(t::put);
        }
        if (v.contentType != null) {
            item.put("contentType", v.contentType);
        }
        return item;
    }

    private ObjectNode attributesJson(SecretStore.Version v) {
        ObjectNode a = JSON.objectNode();
        a.put("enabled", v.enabled);
        if (v.nbf != null) {
            a.put("nbf", v.nbf);
        }
        if (v.exp != null) {
            a.put("exp", v.exp);
        }
        a.put("created", v.created);
        a.put("updated", v.updated);
        a.put("recoveryLevel", SecretStore.RECOVERY_LEVEL);
        a.put("recoverableDays", SecretStore.RECOVERABLE_DAYS);
        return a;
    }

    private static String text(ObjectNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw ServiceError.badParameter("The parameter '" + field + "' must be a string.");
        }
        return n.asText();
    }

    private static Map<String, String> tags(ObjectNode body) {
        JsonNode n = body.get("tags");
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isObject()) {
            throw ServiceError.badParameter("The parameter 'tags' must be an object of strings.");
        }
        if (n.size() > 15) {
            throw ServiceError.badParameter("Too many tags: at most 15 are allowed.");
        }
        Map<String, String> tags = new LinkedHashMap<>();
        var it = n.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (!e.getValue().isTextual()) {
                throw ServiceError.badParameter("The value of tag '" + e.getKey() + "' must be a string.");
            }
            tags.put(e.getKey(), e.getValue().asText());
        }
        return tags;
    }

    private static SecretStore.Attributes attributes(ObjectNode body) {
        JsonNode a = body.get("attributes");
        if (a == null || a.isNull()) {
            return null;
        }
        if (!a.isObject()) {
            throw ServiceError.badParameter("The parameter 'attributes' must be an object.");
        }
        JsonNode enabled = a.get("enabled");
        if (enabled != null && !enabled.isNull() && !enabled.isBoolean()) {
            throw ServiceError.badParameter("The attribute 'enabled' must be a boolean.");
        }
        return new SecretStore.Attributes(enabled == null || enabled.isNull() ? null : enabled.asBoolean(),
                epoch(a, "nbf"), epoch(a, "exp"));
    }

    private static Long epoch(JsonNode a, String field) {
        JsonNode n = a.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isIntegralNumber()) {
            throw ServiceError.badParameter("The attribute '" + field + "' must be a number of seconds since 1970.");
        }
        return n.asLong();
    }
}
