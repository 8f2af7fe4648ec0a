package io.kvconfig.devvault;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The caller's permissions on the vault's secrets (the data plane), as opposed to the firewall: by default it may do
 * everything. Denying answers as Key Vault answers a caller whose token is valid but who lacks the permission:
 * {@code 403 Forbidden}, with innererror {@code ForbiddenByRbac} on a vault using Azure RBAC (the default, as
 * {@code enableRbacAuthorization: true} in the ARM resource) or {@code AccessDenied} on a vault using access policies
 * ({@link #accessPolicies(boolean)}). Reads are get, list and get-deleted operations; writes are set, update, delete,
 * recover and purge. A denial for one secret ({@link #denySecret}) covers every operation on that name. The check
 * comes after authentication and the firewall, as on Azure. Not persisted; changes apply to the next request. Each
 * refused request is journaled under its operation plus the outcome {@code ForbiddenByRbac} or {@code AccessDenied}.
 */
public final class SecretAccess {
    private volatile boolean denyReads;
    private volatile boolean denyWrites;
    private volatile boolean accessPolicies;
    private final Set<String> deniedSecrets = ConcurrentHashMap.newKeySet();

    SecretAccess() {
    }

    /** true: every read (get, list, get deleted) answers 403. */
    public SecretAccess denyReads(boolean deny) {
        this.denyReads = deny;
        return this;
    }

    /** true: every write (set, update, delete, recover, purge) answers 403. */
    public SecretAccess denyWrites(boolean deny) {
        this.denyWrites = deny;
        return this;
    }

    /** Every operation on this secret (any case) answers 403; other secrets stay readable and writable. */
    public SecretAccess denySecret(String name) {
        SecretStore.checkNameArgument(name);
        deniedSecrets.add(SecretStore.key(name));
        return this;
    }

    /** Lifts a {@link #denySecret} denial. */
    public SecretAccess allowSecret(String name) {
        deniedSecrets.remove(SecretStore.key(name));
        return this;
    }

    /**
     * true: the vault uses access policies, so a denial is innererror {@code AccessDenied} ("... does not have secrets
     * get permission on key vault ..."); false (default): Azure RBAC, innererror {@code ForbiddenByRbac} ("Caller is
     * not authorized to perform action on resource ...").
     */
    public SecretAccess accessPolicies(boolean accessPolicies) {
        this.accessPolicies = accessPolicies;
        return this;
    }

    public boolean deniesReads() {
        return denyReads;
    }

    public boolean deniesWrites() {
        return denyWrites;
    }

    public boolean usesAccessPolicies() {
        return accessPolicies;
    }

    /** The names denied one by one (lower case). */
    public Set<String> deniedSecrets() {
        return new TreeSet<>(deniedSecrets);
    }

    /** Grants everything again (the access model stays). */
    public SecretAccess allowAll() {
        denyReads = false;
        denyWrites = false;
        deniedSecrets.clear();
        return this;
    }

    /** What one data-plane operation needs: its RBAC data action and its access-policy permission. */
    record Need(String dataAction, String permission, boolean write) {
    }

    static Need need(String operation) {
        String p = "Microsoft.KeyVault/vaults/secrets/";
        return switch (operation) {
            case "GetSecret" -> new Need(p + "getSecret/action", "get", false);
            case "GetSecrets", "GetSecretVersions" -> new Need(p + "readMetadata/action", "list", false);
            case "GetDeletedSecret", "GetDeletedSecrets" -> new Need(p + "readMetadata/action", "list", false);
            case "SetSecret" -> new Need(p + "setSecret/action", "set", true);
            case "UpdateSecret" -> new Need(p + "update/action", "set", true);
            case "DeleteSecret" -> new Need(p + "delete", "delete", true);
            case "RecoverDeletedSecret" -> new Need(p + "recover/action", "recover", true);
            case "PurgeDeletedSecret" -> new Need(p + "purge/action", "purge", true);
            default -> null;
        };
    }

    /** The need this request lacks, or null when it is allowed. secretName is null for vault-wide listings. */
    Need denied(String operation, String secretName) {
        Need need = need(operation);
        if (need == null) {
            return null;
        }
        boolean refused = (need.write() ? denyWrites : denyReads)
                || (secretName != null && deniedSecrets.contains(SecretStore.key(secretName)));
        return refused ? need : null;
    }

    /** Key Vault's own 403 for a caller without the permission, word for word (never quoting a secret value). */
    ServiceError forbidden(Need need, String secretName, Coordinates at, Tokens tokens) {
        String caller = "appid=" + tokens.clientId() + ";oid=" + tokens.objectId() + ";iss=" + tokens.issuer();
        String vault = at.vaultName() + ";location=" + at.location();
        if (accessPolicies) {
            return new ServiceError(403, "Forbidden", "The user, group or application '" + caller
                    + "' does not have secrets " + need.permission() + " permission on key vault '" + vault
                    + "'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287",
                    "AccessDenied");
        }
        String resource = at.resourceId().toLowerCase(Locale.ROOT) + (secretName == null ? "" : "/secrets/" + secretName);
        return new ServiceError(403, "Forbidden", "Caller is not authorized to perform action on resource.\r\n"
                + "If role assignments, deny assignments or role definitions were changed recently, please observe"
                + " propagation time.\r\nCaller: " + caller + "\r\nAction: '" + need.dataAction() + "'\r\nResource: '"
                + resource + "'\r\nAssignment: (not found)\r\nDenyAssignmentId: null\r\nDecisionReason: null \r\n"
                + "Vault: " + vault + "\r\n", "ForbiddenByRbac");
    }

    @Override
    public String toString() {
        return "SecretAccess[denyReads=" + denyReads + ", denyWrites=" + denyWrites + ", deniedSecrets="
                + deniedSecrets() + ", model=" + (accessPolicies ? "access policies" : "RBAC") + "]";
    }
}
