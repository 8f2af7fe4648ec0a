package io.kvconfig.devvault;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The vault's network configuration: properties.networkAcls and properties.publicNetworkAccess in ARM. {@code acls}
 * says how ARM shows networkAcls: a vault never given network rules has none at all ({@link Acls#ABSENT}), a PUT
 * without them leaves {@code "networkAcls": null} ({@link Acls#NULL}); either way nothing is filtered.
 */
record NetworkRules(String defaultAction, String bypass, List<String> ipRules, JsonNode virtualNetworkRules,
        String publicNetworkAccess, Acls acls) {

    /** How ARM shows properties.networkAcls. */
    enum Acls {
        PRESENT, ABSENT, NULL
    }

    NetworkRules(String defaultAction, String bypass, List<String> ipRules, JsonNode virtualNetworkRules,
            String publicNetworkAccess) {
        this(defaultAction, bypass, ipRules, virtualNetworkRules, publicNetworkAccess, Acls.PRESENT);
    }

    enum Decision {
        ALLOW, FORBIDDEN_BY_FIREWALL, FORBIDDEN_BY_CONNECTION
    }

    static final NetworkRules OPEN = new NetworkRules("Allow", "AzureServices", List.of(),
            JsonNodeFactory.instance.arrayNode(), "Enabled");

    /** A vault never given network rules: no networkAcls in ARM, every address admitted. */
    static final NetworkRules NEVER_SET = OPEN.withAcls(Acls.ABSENT);

    NetworkRules {
        acls = acls == null ? Acls.PRESENT : acls;
        if (acls != Acls.PRESENT) {
            // no rule set: nothing to enforce but publicNetworkAccess
            defaultAction = "Allow";
            bypass = "AzureServices";
            ipRules = List.of();
            virtualNetworkRules = null;
        }
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
        return new NetworkRules(defaultAction, bypass, ipRules, virtualNetworkRules, normalizeAccess(access), acls);
    }

    NetworkRules withAcls(Acls shown) {
        return new NetworkRules(defaultAction, bypass, ipRules, virtualNetworkRules, publicNetworkAccess, shown);
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
        if (acls != Acls.PRESENT) {
            node.put("acls", acls.name());
        }
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
                ips, node.path("virtualNetworkRules"), node.path("publicNetworkAccess").asText("Enabled"),
                node.hasNonNull("acls") ? Acls.valueOf(node.get("acls").asText()) : Acls.PRESENT);
    }

    /** "Allow"/"Deny" in any case; anything else is refused. */
    static String normalizeAction(String action) {
        return oneOf("defaultAction", action, "Allow", "Deny");
    }

    static String normalizeAccess(String access) {
        return oneOf("publicNetworkAccess", access, "Enabled", "Disabled");
    }

    static String normalizeBypass(String bypass) {
        return oneOf("bypass", bypass, "AzureServices", "None");
    }

    /** The allowed value matching {@code value} in any case, spelled as Azure does. */
    private static String oneOf(String field, String value, String first, String second) {
        if (first.equalsIgnoreCase(value)) {
            return first;
        }
        if (second.equalsIgnoreCase(value)) {
            return second;
        }
        throw new IllegalArgumentException(field + " must be " + first + " or " + second + ", not '" + value + "'");
    }

    /** Validates and normalizes one IP rule the way Key Vault stores it (single address -> /32). */
    static String normalizeIpRule(String rule) {
        IpRange range = IpRange.parse(rule);
        IpRange forbidden = range.forbiddenContaining();
        if (forbidden != null) {
            throw new IllegalArgumentException(rule + " belongs to forbidden range " + forbidden.first() + "\u2013"
                    + forbidden.last() + " (private IP addresses)");
        }
        return range.toString();
    }
}
