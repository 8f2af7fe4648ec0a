package io.kvconfig.service.firewall;

import java.util.List;
import java.util.Map;

import io.quarkus.test.junit.QuarkusTestProfile;

public final class FirewallProfiles {

    private FirewallProfiles() {
    }

    /** Vault denies public traffic; allowlisting must add our rule at startup. */
    public static class Deny implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FirewallTestVault.class));
        }
    }

    /** Deny vault, its own app and vault: the reactive path through the service's own Key Vault calls. */
    public static class Reactive implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FirewallTestVault.class));
        }
    }

    /** Deny vault, scheduled re-check every second. */
    public static class Scheduled implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FirewallTestVault.class));
        }

        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(FirewallService.SCHEDULE, "1s");
        }
    }

    /** Every IP echo endpoint down (vault open): allowlisting fails, the service still starts. */
    public static class EchoDown implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FirewallTestVault.class, Map.of("mode", "echo-down")));
        }
    }

    /** Deny vault whose rule for the caller is already there, allowlisting on refusal only: the start runs none. */
    public static class OnRefusalRulePresent implements QuarkusTestProfile {
        @Override
        public List<TestResourceEntry> testResources() {
            return List.of(new TestResourceEntry(FirewallTestVault.class, Map.of("mode", "on-refusal-rule-present")));
        }
    }
}
