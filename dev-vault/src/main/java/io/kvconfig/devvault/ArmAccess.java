package io.kvconfig.devvault;

/**
 * Role-based access of the caller to the vault's Azure Resource Manager resource. By default the caller may read and
 * write it (as with Key Vault Contributor). Denying answers the vault's {@code GET} (read) or {@code PUT}/{@code PATCH}
 * (write) exactly as ARM answers a caller without the role: {@code 403 AuthorizationFailed} naming the caller's
 * object id, the action ({@code Microsoft.KeyVault/vaults/read|write}) and the scope. Not persisted; changes apply to
 * the next request. Each refused request is journaled under its operation and the outcome {@code AuthorizationFailed}.
 */
public final class ArmAccess {
    static final String READ = "Microsoft.KeyVault/vaults/read";
    static final String WRITE = "Microsoft.KeyVault/vaults/write";

    private volatile boolean denyReads;
    private volatile boolean denyWrites;

    ArmAccess() {
    }

    /** true: vault GET answers 403 AuthorizationFailed (action Microsoft.KeyVault/vaults/read). */
    public ArmAccess denyReads(boolean deny) {
        this.denyReads = deny;
        return this;
    }

    /** true: vault PUT and PATCH answer 403 AuthorizationFailed (action Microsoft.KeyVault/vaults/write). */
    public ArmAccess denyWrites(boolean deny) {
        this.denyWrites = deny;
        return this;
    }

    public boolean deniesReads() {
        return denyReads;
    }

    public boolean deniesWrites() {
        return denyWrites;
    }

    /** Grants reads and writes again. */
    public ArmAccess allowAll() {
        denyReads = false;
        denyWrites = false;
        return this;
    }

    /** The action this method needs if the caller lacks it, else null. */
    String deniedAction(String method) {
        return switch (method) {
            case "GET" -> denyReads ? READ : null;
            case "PUT", "PATCH" -> denyWrites ? WRITE : null;
            default -> null;
        };
    }

    /** ARM's own answer, word for word (the client is named by its object id, as for a service principal). */
    static ServiceError authorizationFailed(String objectId, String action, String scope) {
        return new ServiceError(403, "AuthorizationFailed", "The client '" + objectId + "' with object id '" + objectId
                + "' does not have authorization to perform action '" + action + "' over scope '" + scope
                + "' or the scope is invalid. If access was recently granted, please refresh your credentials.");
    }

    @Override
    public String toString() {
        return "ArmAccess[denyReads=" + denyReads + ", denyWrites=" + denyWrites + "]";
    }
}
