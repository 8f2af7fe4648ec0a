package io.kvconfig.devvault;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The vault as an Azure Resource Manager resource (Microsoft.KeyVault/vaults), plus the few read calls around it
 * (subscription, resource group, listings). Bearer tokens for https://management.azure.com/ only; no challenge.
 */
final class Arm {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    static final Set<String> VAULT_API_VERSIONS = Set.of("2015-06-01", "2016-10-01", "2018-02-14",
            "2018-02-14-preview", "2019-09-01", "2020-04-01-preview", "2021-04-01-preview", "2021-06-01-preview",
            "2021-10-01", "2021-11-01-preview", "2022-02-01-preview", "2022-07-01", "2022-11-01", "2023-02-01",
            "2023-07-01", "2023-08-01-preview", "2024-04-01-preview", "2024-11-01", "2024-12-01-preview",
            "2025-05-01");
    private static final Pattern ANY_API_VERSION = Pattern.compile("\\d{4}-\\d{2}-\\d{2}(-preview)?");

    private final Coordinates coordinates;
    private final Tokens tokens;
    private final ArmAccess access;
    private final Journal journal;
    private final VaultResource resource;
    private final Supplier<String> vaultUrl;

    Arm(Coordinates coordinates, Tokens tokens, ArmAccess access, Journal journal, VaultResource resource,
            Supplier<String> vaultUrl) {
        this.coordinates = coordinates;
        this.tokens = tokens;
        this.access = access;
        this.journal = journal;
        this.resource = resource;
        this.vaultUrl = vaultUrl;
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
            read(r, "SubscriptionList", apiVersion, false);
            ObjectNode root = JSON.objectNode();
            root.putArray("value").add(subscription());
            r.sendJson(200, root);
            return;
        }
        if (!s.get(1).equalsIgnoreCase(coordinates.subscriptionId())) {
            throw new ServiceError(404, "SubscriptionNotFound", "The subscription '" + s.get(1) + "' could not be found.");
        }
        if (s.size() == 2) {
            read(r, "SubscriptionGet", apiVersion, false);
            r.sendJson(200, subscription());
            return;
        }
        if (s.size() == 3 && s.get(2).equalsIgnoreCase("resources")) {
            read(r, "ResourceList", apiVersion, false);
            ObjectNode root = JSON.objectNode();
            ObjectNode res = root.putArray("value").addObject();
            JsonNode v = vaultJson();
            for (String f : List.of("id", "name", "type", "location", "tags")) {
                res.set(f, v.get(f));
            }
            r.sendJson(200, root);
            return;
        }
        if (s.size() == 5 && s.get(2).equalsIgnoreCase("providers") && isKeyVaultVaults(s, 3)) {
            read(r, "VaultList", apiVersion, true);
            r.sendJson(200, list());
            return;
        }
        if (s.size() < 4 || !s.get(2).equalsIgnoreCase("resourceGroups")) {
            throw new ServiceError(404, "NotFound", "The requested resource was not found.");
        }
        if (!s.get(3).equalsIgnoreCase(coordinates.resourceGroup())) {
            throw new ServiceError(404, "ResourceGroupNotFound", "Resource group '" + s.get(3) + "' could not be found.");
        }
        if (s.size() == 4) {
            read(r, "ResourceGroupGet", apiVersion, false);
            ObjectNode rg = JSON.objectNode();
            rg.put("id", "/subscriptions/" + coordinates.subscriptionId() + "/resourceGroups/" + coordinates.resourceGroup());
            rg.put("name", coordinates.resourceGroup());
            rg.put("type", "Microsoft.Resources/resourceGroups");
            rg.put("location", coordinates.location());
            rg.putObject("properties").put("provisioningState", "Succeeded");
            r.sendJson(200, rg);
            return;
        }
        if (s.size() == 7 && s.get(4).equalsIgnoreCase("providers") && isKeyVaultVaults(s, 5)) {
            read(r, "VaultList", apiVersion, true);
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
        String denied = access.deniedAction(r.method);
        if (denied != null) {
            journal.outcome("AuthorizationFailed");
            throw ArmAccess.authorizationFailed(tokens.objectId(), denied, r.path);
        }
        vaultApiVersion(apiVersion);
        if (!s.get(7).equalsIgnoreCase(coordinates.vaultName())) {
            throw new ServiceError(404, "ResourceNotFound", "The Resource 'Microsoft.KeyVault/vaults/" + s.get(7)
                    + "' under resource group '" + s.get(3) + "' was not found. For more details please go to"
                    + " https://aka.ms/ARMResourceNotFoundFix");
        }
        switch (r.method) {
            case "GET" -> r.sendJson(200, vaultJson());
            case "PUT", "PATCH" -> {
                resource.update(r.jsonBody(), r.method.equals("PUT"), tokens.clientId());
                r.sendJson(200, vaultJson());
            }
            default -> throw new ServiceError(405, "MethodNotAllowed",
                    "The dev vault supports GET, PUT and PATCH of its vault resource, not " + r.method + ".");
        }
    }

    private void authenticate(Request r) {
        Tokens.Check check = tokens.check(r.header("Authorization"), Tokens.ARM_RESOURCE);
        if (check == Tokens.Check.VALID) {
            return;
        }
        journal.outcome("Unauthorized");
        Map<String, String> h = Map.of("WWW-Authenticate", "Bearer authorization_uri=\"https://login.windows.net/"
                + coordinates.tenantId() + "\", error=\"invalid_token\", error_description=\"The access token is invalid.\"");
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

    /** A read-only route: names the operation, then refuses other methods and unknown api-versions. */
    private static void read(Request r, String operation, String apiVersion, boolean vaultApi) {
        r.operation = operation;
        if (!r.method.equals("GET")) {
            throw new ServiceError(405, "MethodNotAllowed", "The requested resource does not support http method '"
                    + r.method + "'.");
        }
        if (vaultApi) {
            vaultApiVersion(apiVersion);
        } else {
            anyApiVersion(apiVersion);
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
        ObjectNode sub = JSON.objectNode();
        sub.put("id", "/subscriptions/" + coordinates.subscriptionId());
        sub.put("subscriptionId", coordinates.subscriptionId());
        sub.put("tenantId", coordinates.tenantId());
        sub.put("displayName", "kvconfig dev vault subscription");
        sub.put("state", "Enabled");
        sub.putObject("subscriptionPolicies").put("locationPlacementId", "Public_2014-09-01")
                .put("quotaId", "PayAsYouGo_2014-09-01").put("spendingLimit", "Off");
        sub.put("authorizationSource", "RoleBased");
        return sub;
    }

    private ObjectNode list() {
        ObjectNode root = JSON.objectNode();
        root.putArray("value").add(vaultJson());
        return root;
    }

    private ObjectNode vaultJson() {
        return resource.json(vaultUrl.get());
    }
}
