package io.kvconfig.devvault;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The vault as an ARM resource (Microsoft.KeyVault/vaults): the properties ARM stores for it, how a GET shows them
 * and how PUT and PATCH change them. The network part lives in the {@link Firewall} (an ARM change through it is
 * enforced after the rule delay); the rest is kept here and persisted.
 */
final class VaultResource {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    private final Coordinates coordinates;
    private final Object lock;
    private final Firewall firewall;
    private final Runnable onChange;
    /** Location, tags, systemData and properties as last written (the computed ones are added by {@link #json}). */
    private final ObjectNode stored;

    /** saved: the resource from the state file, or null for a new vault. */
    VaultResource(ObjectNode saved, Coordinates coordinates, Object lock, Firewall firewall, Runnable onChange) {
        this.coordinates = coordinates;
        this.lock = lock;
        this.firewall = firewall;
        this.onChange = onChange;
        this.stored = saved != null ? saved.deepCopy() : initial();
    }

    /** What the state file keeps (a copy). */
    ObjectNode saved() {
        synchronized (lock) {
            return stored.deepCopy();
        }
    }

    /** The resource as ARM answers a GET, PUT or PATCH; vaultUri names the vault URL given. */
    ObjectNode json(String vaultUrl) {
        synchronized (lock) {
            NetworkRules rules = firewall.desired();
            ObjectNode v = JSON.objectNode();
            v.put("id", coordinates.resourceId());
            v.put("name", coordinates.vaultName());
            v.put("type", "Microsoft.KeyVault/vaults");
            v.put("location", stored.path("location").asText(coordinates.location()));
            v.set("tags", stored.path("tags").isObject() ? stored.get("tags").deepCopy() : JSON.objectNode());
            v.set("systemData", stored.path("systemData").deepCopy());
            ObjectNode props = stored.path("properties").isObject() ? stored.get("properties").deepCopy()
                    : JSON.objectNode();
            props.put("vaultUri", vaultUrl + "/");
            props.put("provisioningState", "Succeeded");
            switch (rules.acls()) {
                case PRESENT -> props.set("networkAcls", rules.networkAclsJson());
                case NULL -> props.putNull("networkAcls");
                case ABSENT -> props.remove("networkAcls");
            }
            props.put("publicNetworkAccess", rules.publicNetworkAccess());
            v.set("properties", props);
            return v;
        }
    }

    /** PUT replaces the vault's properties; PATCH merges the given ones. Network changes go through the delay. */
    void update(ObjectNode body, boolean put, String modifiedBy) {
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
        ObjectNode props = propsNode == null || propsNode.isNull() ? JSON.objectNode()
                : (ObjectNode) propsNode.deepCopy();
        synchronized (lock) {
            NetworkRules current = firewall.desired();
            NetworkRules next = networkRules(props, put ? NetworkRules.OPEN : current, put);
            if (put && !props.path("networkAcls").isObject()) {
                // a PUT that leaves networkAcls out replaces the vault's rules with none: ARM then shows null
                next = next.withAcls(NetworkRules.Acls.NULL);
            }
            for (String computed : List.of("vaultUri", "provisioningState", "networkAcls", "publicNetworkAccess",
                    "hsmPoolResourceId", "privateEndpointConnections")) {
                props.remove(computed);
            }
            ObjectNode storedProps = stored.path("properties").isObject() ? (ObjectNode) stored.get("properties")
                    : stored.putObject("properties");
            if (put) {
                ObjectNode replaced = props;
                if (!replaced.has("tenantId")) {
                    replaced.put("tenantId", coordinates.tenantId());
                }
                if (!replaced.has("sku")) {
                    replaced.set("sku", storedProps.path("sku").deepCopy());
                }
                stored.set("properties", replaced);
                stored.put("location", body.get("location").asText());
                stored.set("tags", body.path("tags").isObject() ? body.get("tags").deepCopy() : JSON.objectNode());
            } else {
                storedProps.setAll(props);
                if (body.path("tags").isObject()) {
                    stored.set("tags", body.get("tags").deepCopy());
                }
            }
            ObjectNode systemData = stored.path("systemData").isObject() ? (ObjectNode) stored.get("systemData")
                    : stored.putObject("systemData");
            systemData.put("lastModifiedBy", modifiedBy);
            systemData.put("lastModifiedByType", "Application");
            systemData.put("lastModifiedAt", Instant.now().toString());
            if (!next.equals(current)) {
                firewall.applyFromArm(next);
            } else {
                onChange.run();
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
                    // kept as sent, duplicates too: Azure keeps 1.2.3.4 next to 1.2.3.4/32 as two entries
                    List<String> rules = new ArrayList<>();
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
                        ? JSON.arrayNode() : (ArrayNode) vnets, result.publicNetworkAccess());
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

    private ObjectNode initial() {
        ObjectNode v = JSON.objectNode();
        v.put("location", coordinates.location());
        v.putObject("tags");
        ObjectNode sys = v.putObject("systemData");
        String now = Instant.now().toString();
        sys.put("createdBy", "kvconfig-dev-vault").put("createdByType", "Application").put("createdAt", now)
                .put("lastModifiedBy", "kvconfig-dev-vault").put("lastModifiedByType", "Application")
                .put("lastModifiedAt", now);
        ObjectNode p = v.putObject("properties");
        p.putObject("sku").put("family", "A").put("name", "standard");
        p.put("tenantId", coordinates.tenantId());
        p.putArray("accessPolicies");
        p.put("enabledForDeployment", false);
        p.put("enabledForDiskEncryption", false);
        p.put("enabledForTemplateDeployment", false);
        p.put("enableSoftDelete", true);
        p.put("softDeleteRetentionInDays", SecretStore.RECOVERABLE_DAYS);
        p.put("enableRbacAuthorization", true);
        return v;
    }
}
