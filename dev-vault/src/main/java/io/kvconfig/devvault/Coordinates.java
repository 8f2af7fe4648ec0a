package io.kvconfig.devvault;

/** Where the vault is, as Azure names it: tenant, ARM resource and region, and the caller's public IP. */
record Coordinates(String tenantId, String subscriptionId, String resourceGroup, String vaultName, String location,
        String publicIp) {

    /** {@code /subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.KeyVault/vaults/<name>}. */
    String resourceId() {
        return "/subscriptions/" + subscriptionId + "/resourceGroups/" + resourceGroup
                + "/providers/Microsoft.KeyVault/vaults/" + vaultName;
    }
}
