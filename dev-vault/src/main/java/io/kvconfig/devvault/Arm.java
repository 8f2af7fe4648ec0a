package io.kvconfig.devvault;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The vault as an Azure Resource Manager resource (Microsoft.KeyVault/vaults), plus the few read calls around it
 * (subscription, resource group, listings). Bearer tokens for https://management.azure.com/ only; no challenge.
 */
final class Arm {
    static final Set<String> VAULT_API_VERSIONS = Set.of("2015-06-01", "2016-10-01", "2018-02-14",
            "2018-02-14-preview", "2019-09-01", "2020-04-01-preview", "2021-04-01-preview", "2021-06-01-preview",
            "2021-10-01", "2021-11-01-preview", "2022-02-01-preview", "2022-07-01", "2022-11-01", "2023-02-01",
            "2023-07-01", "2023-08-01-preview", "2024-04-01-preview", "2024-11-01", "2024-12-01-preview",
            "2025-05-01");
    private static final Pattern ANY_API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

    private final DevVault vault;
    private final ObjectMapper mapper;

    Arm(DevVault vault, ObjectMapper mapper) {
        this.vault = vault;
        this.mapper = mapper;
    }

    void handle(Request r) throws IOException {
        List<String> s = r.segments;
        r.operation = "ArmUnknown";
        authenticate(r);
        String apiVersion = r.param("api-version");
        if (apiVersion == null || apiVersion.isEmpty()) {
            throw new ServiceError(400, "MissingApiVersionParameter",
                    "The api-version query parameter (?api-version=) is required for all requests.");
        }
        if (s.size() == 1) {
            r.operation = "SubscriptionList";
            requireGet(r);
            anyApiVersion(apiVersion);
            ObjectNode root = mapper.createObjectNode();
            root.putArray("value").add(subscription());
            r.sendJson(200, root);
            return;
        }
        if (!s.get(1).equalsIgnoreCase(vault.subscriptionId())) {
            throw new ServiceError(404, "SubscriptionNotFound", "The subscription '" + s.get(1) + "' could not be found.");
        }
        if (s.size() == 2) {
            r.operation = "SubscriptionGet";
            requireGet(r);
            anyApiVersion(apiVersion);
            r.sendJson(200, subscription());
            return;
        }
        if (s.size() == 3 && s.get(2).equalsIgnoreCase("resources")) {
            r.operation = "ResourceList";
            requireGet(r);
            anyApiVersion(apiVersion);
            ObjectNode root = mapper.createObjectNode();
            ObjectNode res = root.putArray("value").addObject();
            JsonNode v = vaultJson();
            for (String f : List.of("id", "name", "type", "location", "tags")) {
                res.set(f, v.get(f));
            }
            r.sendJson(200, root);
            return;
        }
        if (s.size() == 5 && s.get(2).equalsIgnoreCase("providers") && isKeyVaultVaults(s, 3)) {
            r.operation = "VaultList";
            requireGet(r);
            vaultApiVersion(apiVersion);
            r.sendJson(200, list());
            return;
        }
        if (s.size() < 4 || !s.get(2).equalsIgnoreCase("resourceGroups")) {
            throw new ServiceError(404, "NotFound", "The requested resource was not found.");
        }
        if (!s.get(3).equalsIgnoreCase(vault.resourceGroup())) {
            throw new ServiceError(404, "ResourceGroupNotFound", "Resource group '" + s.get(3) + "' could not be found.");
        }
        if (s.size() == 4) {
            r.operation = "ResourceGroupGet";
            requireGet(r);
            anyApiVersion(apiVersion);
            ObjectNode rg = mapper.createObjectNode();
            rg.put("id", "/subscriptions/" + vault.subscriptionId() + "/resourceGroups/" + vault.resourceGroup());
            rg.put("name", vault.resourceGroup());
            rg.put("type", "Microsoft.Resources/resourceGroups");
            rg.put("location", vault.location());
            rg.putObject("properties").put("provisioningState", "Succeeded");
            r.sendJson(200, rg);
            return;
        }
        if (s.size() == 7 && s.get(4).equalsIgnoreCase("providers") && isKeyVaultVaults(s, 5)) {
            r.operation = "VaultList";
            requireGet(r);
            vaultApiVersion(apiVersion);
            r.sendJson(200, list());
            return;
        }
        if (s.size() != 8 || !s.get(4).equalsIgnoreCase("providers") || !isKeyVaultVaults(s, 5)) {
            throw new ServiceError(404, "NotFound", "The requested resource was not found.");
        }
        r.operation = switch (r.method) {
            case "GET" -> "VaultGet";
            case "PUT" -> "VaultPut";
            case "PATCH" -> "VaultPatch";
            default -> "VaultMethodNotAllowed";
        };
        // ARM authorizes before the resource provider sees the request: no rights gives 403 even for a wrong name
        String denied = vault.armAccess.deniedAction(r.method);
        if (denied != null) {
            vault.journal.outcome("AuthorizationFailed");
            throw ArmAccess.authorizationFailed(vault.tokens.objectId(), denied, r.path);
        }
        vaultApiVersion(apiVersion);
        if (!s.get(7).equalsIgnoreCase(vault.vaultName())) {
            throw new ServiceError(404, "ResourceNotFound", "The Resource 'Microsoft.KeyVault/vaults/" + s.get(7)
                    + "' under resource group '" + s.get(3) + "' was not found. For more details please go to"
                    + " https://aka.ms/ARMResourceNotFoundFix");
        }
        switch (r.method) {
            case "GET" -> r.sendJson(200, vaultJson());
            case "PUT" -> {
                ObjectNode body = r.jsonBody();
                update(body, true);
                r.sendJson(200, vaultJson());
            }
            case "PATCH" -> {
                ObjectNode body = r.jsonBody();
                update(body, false);
                r.sendJson(200, vaultJson());
            }
            default -> throw new ServiceError(405, "MethodNotAllowed",
                    "The dev vault supports GET, PUT and PATCH of its vault resource, not " + r.method + ".");
        }
    }

    private void authenticate(Request r) {
        Tokens.Check check = vault.tokens.check(r.header("Authorization"), Tokens.ARM_RESOURCE);
        if (check == Tokens.Check.VALID) {
            return;
        }
        vault.journal.outcome("Unauthorized");
        Map<String, String> h = Map.of("WWW-Authenticate", "Bearer authorization_uri=\"https://login.windows.net/"
                + vault.tenantId() + "\", error=\"invalid_token\", error_description=\"The access token is invalid.\"");
        throw switch (check) {
            case MISSING -> new ServiceError(401, "AuthenticationFailed",
                    "Authentication failed. The 'Authorization' header is missing.", null, h);
            case EXPIRED -> new ServiceError(401, "ExpiredAuthenticationToken",
                    "The access token expiry UTC time is earlier than current UTC time.", null, h);
            case WRONG_AUDIENCE -> new ServiceError(401, "InvalidAuthenticationTokenAudience",
                    "The access token has been obtained for wrong audience or resource. It should exactly match with"
                            + " one of the allowed audiences 'https://management.core.windows.net/',"
                            + "'https://management.azure.com/'.", null, h);
            default -> new ServiceError(401, "InvalidAuthenticationToken",
                    "The access token is invalid.", null, h);
        };
    }

    private static boolean isKeyVaultVaults(List<String> s, int i) {
        return s.get(i).equalsIgnoreCase("Microsoft.KeyVault") && s.get(i + 1).equalsIgnoreCase("vaults");
    }

    private static void requireGet(Request r) {
        if (!r.method.equals("GET")) {
            throw new ServiceError(405, "MethodNotAllowed", "The requested resource does not support http method '"
                    + r.method + "'.");
        }
    }

    private static void anyApiVersion(String v) {
        if (!ANY_API_VERSION.matcher(v).matches()) {
            throw new ServiceError(400, "InvalidApiVersionParameter", "The api-version '" + v + "' is invalid.");
        }
    }

    private static void vaultApiVersion(String v) {
        if (!VAULT_API_VERSIONS.contains(v)) {
            throw new ServiceError(400, "InvalidApiVersionParameter", "The api-version '" + v
                    + "' is invalid. The supported versions are '" + String.join(",", new java.util.TreeSet<>(
                            VAULT_API_VERSIONS).descendingSet()) + "'.");
        }
    }

    private ObjectNode subscription() {
        ObjectNode sub = mapper.createObjectNode();
        sub.put("id", "/subscriptions/" + vault.subscriptionId());
        sub.put("subscriptionId", vault.subscriptionId());
        sub.put("tenantId", vault.tenantId());
        sub.put("displayName", "kvconfig dev vault subscription");
        sub.put("state", "Enabled");
        sub.putObject("subscriptionPolicies").put("locationPlacementId", "Public_2014-09-01")
                .put("quotaId", "PayAsYouGo_2014-09-01").put("spendingLimit", "Off");
        sub.put("authorizationSource", "RoleBased");
        return sub;
    }

    private ObjectNode list() {
        ObjectNode root = mapper.createObjectNode();
        root.putArray("value").add(vaultJson());
        return root;
    }

    ObjectNode vaultJson() {
        synchronized (vault.lock) {
            ObjectNode extras = vault.armVault;
            NetworkRules rules = vault.firewall.desired();
            ObjectNode v = mapper.createObjectNode();
            v.put("id", vault.vaultResourceId());
            v.put("name", vault.vaultName());
            v.put("type", "Microsoft.KeyVault/vaults");
            v.put("location", extras.path("location").asText(vault.location()));
            v.set("tags", extras.path("tags").isObject() ? extras.get("tags").deepCopy() : mapper.createObjectNode());
            v.set("systemData", extras.path("systemData").deepCopy());
            ObjectNode props = extras.path("properties").isObject() ? extras.get("properties").deepCopy()
                    : mapper.createObjectNode();
            props.put("vaultUri", vault.vaultUrl() + "/");
            props.put("provisioningState", "Succeeded");
            props.set("networkAcls", rules.networkAclsJson());
            props.put("publicNetworkAccess", rules.publicNetworkAccess());
            v.set("properties", props);
            return v;
        }
    }

    /** PUT replaces the vault's properties; PATCH merges the given ones. Network changes go through the delay. */
    private void update(ObjectNode body, boolean put) {
        JsonNode propsNode = body.get("properties");
        if (put && (propsNode == null || !propsNode.isObject())) {
            throw new ServiceError(400, "BadRequest", "The request body must contain 'properties'.");
        }
        if (propsNode != null && !propsNode.isNull() && !propsNode.isObject()) {
            throw new ServiceError(400, "BadRequest", "'properties' must be an object.");
        }
        if (put && !body.path("location").isTextual()) {
            throw new ServiceError(400, "LocationRequired", "The location property is required for this definition.");
        }
        if (body.has("tags") && !body.get("tags").isNull() && !body.get("tags").isObject()) {
            throw new ServiceError(400, "BadRequest", "'tags' must be an object.");
        }
        ObjectNode props = propsNode == null || propsNode.isNull() ? mapper.createObjectNode()
                : (ObjectNode) propsNode.deepCopy();
        synchronized (vault.lock) {
            NetworkRules current = vault.firewall.desired();
            NetworkRules next = networkRules(props, put ? NetworkRules.OPEN : current, put);
            for (String computed : List.of("vaultUri", "provisioningState", "networkAcls", "publicNetworkAccess",
                    "hsmPoolResourceId", "privateEndpointConnections")) {
                props.remove(computed);
            }
            ObjectNode extras = vault.armVault;
            ObjectNode stored = extras.path("properties").isObject() ? (ObjectNode) extras.get("properties")
                    : extras.putObject("properties");
            if (put) {
                ObjectNode replaced = props;
                if (!replaced.has("tenantId")) {
                    replaced.put("tenantId", vault.tenantId());
                }
                if (!replaced.has("sku")) {
                    replaced.set("sku", stored.path("sku").deepCopy());
                }
                extras.set("properties", replaced);
                extras.put("location", body.get("location").asText());
                extras.set("tags", body.path("tags").isObject() ? body.get("tags").deepCopy() : mapper.createObjectNode());
            } else {
                stored.setAll(props);
                if (body.path("tags").isObject()) {
                    extras.set("tags", body.get("tags").deepCopy());
                }
            }
            ObjectNode systemData = extras.path("systemData").isObject() ? (ObjectNode) extras.get("systemData")
                    : extras.putObject("systemData");
            systemData.put("lastModifiedBy", vault.tokens.clientId());
            systemData.put("lastModifiedByType", "Application");
            systemData.put("lastModifiedAt", java.time.Instant.now().toString());
            if (!next.equals(current)) {
                vault.firewall.applyFromArm(next);
            } else {
                vault.persist();
            }
        }
    }

    private NetworkRules networkRules(ObjectNode props, NetworkRules base, boolean put) {
        JsonNode acls = props.get("networkAcls");
        JsonNode access = props.get("publicNetworkAccess");
        NetworkRules result = base;
        try {
            if (acls != null && !acls.isNull()) {
                if (!acls.isObject()) {
                    throw new IllegalArgumentException("properties.networkAcls must be an object");
                }
                String action = acls.hasNonNull("defaultAction")
                        ? NetworkRules.normalizeAction(acls.get("defaultAction").asText()) : base.defaultAction();
                String bypass = acls.hasNonNull("bypass") ? NetworkRules.normalizeBypass(acls.get("bypass").asText())
                        : base.bypass();
                List<String> ips = base.ipRules();
                if (acls.has("ipRules")) {
                    Set<String> rules = new LinkedHashSet<>();
                    JsonNode arr = acls.get("ipRules");
                    if (!arr.isNull() && !arr.isArray()) {
                        throw new IllegalArgumentException("properties.networkAcls.ipRules must be an array");
                    }
                    int i = 0;
                    for (JsonNode rule : arr) {
                        String value = rule.path("value").asText(null);
                        try {
                            rules.add(NetworkRules.normalizeIpRule(value));
                        } catch (IllegalArgumentException e) {
                            throw new IllegalArgumentException("Invalid value found at properties.networkAcls.ipRules["
                                    + i + "].value: " + e.getMessage());
                        }
                        i++;
                    }
                    ips = new ArrayList<>(rules);
                }
                JsonNode vnets = acls.has("virtualNetworkRules") ? acls.get("virtualNetworkRules")
                        : base.virtualNetworkRules();
                if (vnets != null && !vnets.isNull() && !vnets.isArray()) {
                    throw new IllegalArgumentException("properties.networkAcls.virtualNetworkRules must be an array");
                }
                result = new NetworkRules(action, bypass, ips, vnets == null || vnets.isNull()
                        ? mapper.createArrayNode() : (ArrayNode) vnets, result.publicNetworkAccess());
            }
            if (access != null && !access.isNull()) {
                result = result.withPublicNetworkAccess(NetworkRules.normalizeAccess(access.asText()));
            } else if (put) {
                result = result.withPublicNetworkAccess("Enabled");
            }
            return result;
        } catch (IllegalArgumentException e) {
            throw new ServiceError(400, "BadRequest", e.getMessage());
        }
    }
}
