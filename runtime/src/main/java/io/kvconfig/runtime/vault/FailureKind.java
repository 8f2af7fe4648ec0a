package io.kvconfig.runtime.vault;

/** Why a reference did not resolve, in words a user can act on. */
public enum FailureKind {
    NOT_FOUND("not found"),
    DISABLED("secret disabled"),
    ACCESS_DENIED("access denied"),
    FIREWALL_BLOCKED("blocked by the vault firewall"),
    UNREACHABLE("vault unreachable"),
    /** The vault's TLS certificate is not trusted (or not for its host name): not transient, never retried. */
    TLS_UNTRUSTED("the vault's certificate is not trusted"),
    AUTHENTICATION_FAILED("authentication failed"),
    /**
     * The vault's 401 challenge names a resource whose domain does not contain the vault's host, so the SDK sent no
     * token (challenge resource verification): a vault URL that is not Key Vault's, or a local test vault with
     * verification left on.
     */
    CHALLENGE_RESOURCE_MISMATCH("authentication failed: the vault's challenge names a resource that does not match its host"),
    THROTTLED("throttled"),
    /**
     * 409 {@code ObjectIsBeingDeleted} / {@code ObjectIsBeingRecovered}: a soft delete or a recovery of the secret is
     * still running in the vault (it takes seconds): transient, retried until the caller's deadline.
     */
    DELETION_IN_PROGRESS("a deletion or recovery of the secret is still running"),
    /**
     * 409 {@code ObjectIsDeletedButRecoverable}: the secret is soft-deleted and its name cannot be reused until it is
     * recovered or purged: permanent, never retried.
     */
    DELETED_RECOVERABLE("secret deleted but recoverable"),
    TIMED_OUT("timed out"),
    INVALID_REFERENCE("invalid reference"),
    NO_VAULT_CONFIGURED("no vault configured"),
    UNEXPECTED("unexpected error");

    private final String words;

    FailureKind(String words) {
        this.words = words;
    }

    public String words() {
        return words;
    }
}
