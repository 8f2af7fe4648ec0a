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
    private static final Pattern SAFE_ID = Pattern.compile("[0-9A-Za-z-]{1,64}");
    private static final java.time.format.DateTimeFormatter ROUTING_TIME = java.time.format.DateTimeFormatter
            .ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(java.time.ZoneOffset.UTC);
    private static final List<String> LOCATIONS = List.of("australiaeast", "brazilsouth", "canadacentral",
            "centralindia", "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanywestcentral",
            "japaneast", "koreacentral", "northeurope", "norwayeast", "southafricanorth", "southcentralus",
            "southeastasia", "swedencentral", "switzerlandnorth", "uaenorth", "uksouth", "westeurope", "westus",
            "westus2", "westus3");
    private final Budget budget = new Budget();

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
        headers(r);
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
        boolean vaultRoute = s.size() == 8 && s.get(4).equalsIgnoreCase("providers") && isKeyVaultVaults(s, 5);
        if (vaultRoute) {
            // ARM authorizes on the scope asked for before it looks anything up: no rights gives 403 even for a
            // resource group or vault that does not exist
            authorize(r);
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
        if (!vaultRoute) {
            throw new ServiceError(404, "NotFound", "The requested resource was not found.");
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

    /** Names the vault operation and refuses it (403 AuthorizationFailed) when the caller lacks the role. */
    private void authorize(Request r) {
        r.operation = switch (r.method) {
            case "GET" -> "VaultGet";
            case "PUT" -> "VaultPut";
            case "PATCH" -> "VaultPatch";
            default -> "VaultMethodNotAllowed";
        };
        String denied = access.deniedAction(r.method);
        if (denied != null) {
            journal.outcome("AuthorizationFailed");
            throw ArmAccess.authorizationFailed(tokens.objectId(), denied, r.path);
        }
    }

    /**
     * The headers every ARM answer carries: the correlation id (the client's, else a new one), the routing id and the
     * subscription's remaining read or write budget for the hour.
     */
    private void headers(Request r) {
        String correlation = r.header("x-ms-correlation-request-id");
        if (correlation == null || !SAFE_ID.matcher(correlation).matches()) {
            correlation = java.util.UUID.randomUUID().toString();
        }
        r.answerHeaders.put("x-ms-correlation-request-id", correlation);
        r.answerHeaders.put("x-ms-request-id", correlation);
        r.answerHeaders.put("x-ms-routing-request-id", coordinates.location().toUpperCase(java.util.Locale.ROOT) + ":"
                + ROUTING_TIME.format(java.time.Instant.now()) + ":" + correlation);
        boolean write = !r.method.equals("GET") && !r.method.equals("HEAD");
        r.answerHeaders.put(write ? "x-ms-ratelimit-remaining-subscription-writes"
                : "x-ms-ratelimit-remaining-subscription-reads", Integer.toString(budget.take(write)));
    }

    /** ARM's hourly per-subscription budget as its headers show it (nothing is refused when it runs out). */
    static final class Budget {
        static final int READS = 12_000;
        static final int WRITES = 1_200;
        private long hour = -1;
        private int reads;
        private int writes;

        synchronized int take(boolean write) {
            long now = System.currentTimeMillis() / 3_600_000L;
            if (now != hour) {
                hour = now;
                reads = 0;
                writes = 0;
            }
            return write ? Math.max(0, WRITES - ++writes) : Math.max(0, READS - ++reads);
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
    private void read(Request r, String operation, String apiVersion, boolean vaultApi) {
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

    /**
     * A malformed api-version is ARM's InvalidApiVersionParameter; a well-formed one the resource provider does not
     * serve is NoRegisteredProviderFound, as ARM answers it.
     */
    private void vaultApiVersion(String v) {
        if (VAULT_API_VERSIONS.contains(v)) {
            return;
        }
        if (!ANY_API_VERSION.matcher(v).matches()) {
            throw new ServiceError(400, "InvalidApiVersionParameter", "The api-version '" + v + "' is invalid. The"
                    + " supported versions are '" + String.join(",", new java.util.TreeSet<>(VAULT_API_VERSIONS)
                            .descendingSet()) + "'.");
        }
        throw new ServiceError(400, "NoRegisteredProviderFound", "No registered resource provider found for location '"
                + coordinates.location() + "' and API version '" + v + "' for type 'vaults'. The supported"
                + " api-versions are '" + String.join(", ", new java.util.TreeSet<>(VAULT_API_VERSIONS)) + "'. The"
                + " supported locations are '" + String.join(", ", LOCATIONS) + "'.");
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
