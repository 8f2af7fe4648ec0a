package io.kvconfig.runtime.vault;

/** Why a reference did not resolve, in words a user can act on. */
public enum FailureKind {
    NOT_FOUND("not found"),
    DISABLED("secret disabled"),
    ACCESS_DENIED("access denied"),
    FIREWALL_BLOCKED("blocked by the vault firewall"),
    UNREACHABLE("vault unreachable"),
    AUTHENTICATION_FAILED("authentication failed"),
    THROTTLED("throttled"),
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
