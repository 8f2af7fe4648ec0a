package io.kvconfig.devvault;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The vault's network configuration: properties.networkAcls and properties.publicNetworkAccess in ARM. */
record NetworkRules(String defaultAction, String bypass, List<String> ipRules, JsonNode virtualNetworkRules,
        String publicNetworkAccess) {

    enum Decision {
        ALLOW, FORBIDDEN_BY_FIREWALL, FORBIDDEN_BY_CONNECTION
    }

    static final NetworkRules OPEN = new NetworkRules("Allow", "AzureServices", List.of(),
            JsonNodeFactory.instance.arrayNode(), "Enabled");

    NetworkRules {
        ipRules = List.copyOf(ipRules);
        virtualNetworkRules = virtualNetworkRules == null ? JsonNodeFactory.instance.arrayNode()
                : virtualNetworkRules.deepCopy();
    }

    Decision decide(String clientIp) {
        if ("Disabled".equalsIgnoreCase(publicNetworkAccess)) {
            return Decision.FORBIDDEN_BY_CONNECTION;
        }
        if (!"Deny".equalsIgnoreCase(defaultAction)) {
            return Decision.ALLOW;
        }
        for (String rule : ipRules) {
            if (IpRange.parse(rule).contains(clientIp)) {
                return Decision.ALLOW;
            }
        }
        return Decision.FORBIDDEN_BY_FIREWALL;
    }

    NetworkRules withDefaultAction(String action) {
        return new NetworkRules(normalizeAction(action), bypass, ipRules, virtualNetworkRules, publicNetworkAccess);
    }

    NetworkRules withIpRules(List<String> rules) {
        return new NetworkRules(defaultAction, bypass, rules, virtualNetworkRules, publicNetworkAccess);
    }

    NetworkRules withPublicNetworkAccess(String access) {
        return new NetworkRules(defaultAction, bypass, ipRules, virtualNetworkRules, normalizeAccess(access));
    }

    ObjectNode networkAclsJson() {
        ObjectNode acls = JsonNodeFactory.instance.objectNode();
        acls.put("bypass", bypass);
        acls.put("defaultAction", defaultAction);
        ArrayNode ips = acls.putArray("ipRules");
        ipRules.forEach(r -> ips.addObject().put("value", r));
        acls.set("virtualNetworkRules", virtualNetworkRules.deepCopy());
        return acls;
    }

    ObjectNode toJson() {
        ObjectNode node = networkAclsJson();
        node.put("publicNetworkAccess", publicNetworkAccess);
        return node;
    }

    static NetworkRules fromJson(JsonNode node) {
        if (node == null || !node.isObject()) {
            return OPEN;
        }
        List<String> ips = new java.util.ArrayList<>();
        for (JsonNode r : node.path("ipRules")) {
            ips.add(r.path("value").asText());
        }
        return new NetworkRules(node.path("defaultAction").asText("Allow"), node.path("bypass").asText("AzureServices"),
                ips, node.path("virtualNetworkRules"), node.path("publicNetworkAccess").asText("Enabled"));
    }

    /** "Allow"/"Deny" in any case; anything else is refused. */
    static String normalizeAction(String action) {
        if ("allow".equalsIgnoreCase(action)) {
            return "Allow";
        }
        if ("deny".equalsIgnoreCase(action)) {
            return "Deny";
        }
        throw new IllegalArgumentException("defaultAction must be Allow or Deny, not '" + action + "'");
    }

    static String normalizeAccess(String access) {
        if ("enabled".equalsIgnoreCase(access)) {
            return "Enabled";
        }
        if ("disabled".equalsIgnoreCase(access)) {
            return "Disabled";
        }
        throw new IllegalArgumentException("publicNetworkAccess must be Enabled or Disabled, not '" + access + "'");
    }

    static String normalizeBypass(String bypass) {
        if ("azureservices".equalsIgnoreCase(bypass)) {
            return "AzureServices";
        }
        if ("none".equalsIgnoreCase(bypass)) {
            return "None";
        }
        throw new IllegalArgumentException("bypass must be AzureServices or None, not '" + bypass + "'");
    }

    /** Validates and normalizes one IP rule the way Key Vault stores it (single address -> /32). */
    static String normalizeIpRule(String rule) {
        IpRange range = IpRange.parse(rule);
        IpRange forbidden = range.forbiddenOverlap();
        if (forbidden != null) {
            throw new IllegalArgumentException(rule + " belongs to forbidden range " + forbidden.first() + "\u2013"
                    + forbidden.last() + " (private IP addresses)");
        }
        return range.toString();
    }
}
