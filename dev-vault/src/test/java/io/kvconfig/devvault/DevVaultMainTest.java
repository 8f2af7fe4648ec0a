package io.kvconfig.devvault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DevVaultMainTest {
    @TempDir
    Path dir;

    @Test
    void flagsConfigureTheVaultAndTheBannerPrintsWhatAClientNeeds() {
        DevVault.Builder b = DevVaultMain.parse(new String[] {"--https-port", "0", "--token-port=0",
                "--public-ip", "198.51.100.23", "--secret", "db-url=jdbc:x?a=b", "--trust-store-dir", dir.toString(),
                "--rule-delay-ms", "5", "--latency-ms", "0", "--default-action", "deny"});
        try (DevVault vault = b.build().start()) {
            assertThat(vault.publicIp()).isEqualTo("198.51.100.23");
            assertThat(vault.secretValue("db-url")).contains("jdbc:x?a=b");
            assertThat(vault.firewall().ruleDelay()).isEqualTo(Duration.ofMillis(5));
            assertThat(vault.firewall().defaultAction()).isEqualTo("Deny");
            assertThat(Files.exists(dir.resolve("ca.pem"))).isTrue();
            assertThat(Files.exists(dir.resolve("truststore.p12"))).isTrue();

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DevVaultMain.printBanner(vault, new PrintStream(out, true, StandardCharsets.UTF_8));
            String banner = out.toString(StandardCharsets.UTF_8);
            assertThat(banner)
                    .contains("export KEY_VAULT_URL=" + vault.vaultUrl() + "\n")
                    .contains("export IDENTITY_ENDPOINT=" + vault.identityEndpoint() + "\n")
                    .contains("export IDENTITY_HEADER=" + vault.identityHeader() + "\n")
                    .contains("export QUARKUS_KVCONFIG_TLS_TRUST_STORE=" + vault.trustStorePath() + "\n")
                    .contains("export QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION=false\n")
                    .contains(vault.caCertificatePath().toString())
                    .doesNotContain("jdbc:x?a=b");
        }
    }

    @Test
    void armDenySwitchesTakeNoValue() {
        DevVault v = DevVaultMain.parse(new String[] {"--arm-deny-writes", "--https-port", "0"}).build();
        assertThat(v.arm().deniesWrites()).isTrue();
        assertThat(v.arm().deniesReads()).isFalse();
        v = DevVaultMain.parse(new String[] {"--arm-deny-reads=true", "--arm-deny-writes=false"}).build();
        assertThat(v.arm().deniesReads()).isTrue();
        assertThat(v.arm().deniesWrites()).isFalse();
        assertThat(DevVaultMain.parse(new String[] {"--https-port", "0"}).build().arm().deniesWrites()).isFalse();
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--arm-deny-writes=yes"}))
                .hasMessageContaining("--arm-deny-writes");
        assertThat(DevVault.builder().armDenyReads(true).build().arm().deniesReads()).isTrue();
    }

    @Test
    void fidelitySwitchesAndSettings() {
        DevVault v = DevVaultMain.parse(new String[] {"--deny-secret-reads", "--deny-secret-writes=false",
                "--access-policies", "--no-network-acls", "--service-limits", "--delete-delay-ms", "1500",
                "--recover-delay-ms=2000", "--idle-timeout-ms", "250"}).build();
        assertThat(v.secretAccess().deniesReads()).isTrue();
        assertThat(v.secretAccess().deniesWrites()).isFalse();
        assertThat(v.secretAccess().usesAccessPolicies()).isTrue();
        assertThat(v.firewall().hasNetworkAcls()).isFalse();
        assertThat(v.faults().serviceLimit()).isEqualTo(4_000);
        DevVault.Builder b = DevVaultMain.parse(new String[] {"--service-limit", "40", "--https-port", "0",
                "--token-port", "0", "--trust-store-dir", dir.toString(), "--deny-secret-writes", "--no-network-acls"});
        assertThat(b.deletionDelay).isEqualTo(Duration.ofMillis(300));
        try (DevVault started = b.build().start()) {
            assertThat(started.faults().serviceLimit()).isEqualTo(40);
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DevVaultMain.printBanner(started, new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(out.toString(StandardCharsets.UTF_8))
                    .contains("Service limit:           40 secrets transactions per 10 s")
                    .contains("Secret access:           writes refused (403 ForbiddenByRbac)")
                    .contains("Network rules:           none");
        }
        DevVault.Builder delays = DevVaultMain.parse(new String[] {"--delete-delay-ms", "1500", "--recover-delay-ms=0",
                "--idle-timeout-ms", "250"});
        assertThat(delays.deletionDelay).isEqualTo(Duration.ofMillis(1500));
        assertThat(delays.recoveryDelay).isZero();
        assertThat(delays.idleConnectionTimeout).isEqualTo(Duration.ofMillis(250));
        assertThat(DevVaultMain.parse(new String[0]).build().faults().serviceLimit()).isZero();
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--service-limit", "0"}))
                .hasMessageContaining("--service-limit");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--no-network-acls=maybe"}))
                .hasMessageContaining("--no-network-acls");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--delete-delay-ms", "-5"}))
                .hasMessageContaining("--delete-delay-ms");
    }

    @Test
    void workloadIdentityAndHostNameFlags() throws Exception {
        Path token = Files.writeString(dir.resolve("azure-identity-token"), "header.claims.signature-7c1e\n");
        DevVault.Builder b = DevVaultMain.parse(new String[] {"--https-port", "0", "--token-port", "0",
                "--trust-store-dir", dir.resolve("trust").toString(), "--host-name", "login.microsoftonline.com",
                "--workload-identity", "3b9e8f1c-5a2d-4c6e-9f0a-7b8c9d0e1f2a=" + token});
        try (DevVault vault = b.build().start()) {
            assertThat(vault.hasWorkloadIdentities()).isTrue();
            assertThat(vault.authorityHost("login.microsoftonline.com"))
                    .isEqualTo("https://login.microsoftonline.com:" + vault.httpsPort() + "/");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            DevVaultMain.printBanner(vault, new PrintStream(out, true, StandardCharsets.UTF_8));
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("Entra ID (workload id):")
                    .doesNotContain("signature-7c1e");
        }
        assertThat(DevVaultMain.parse(new String[] {"--https-port", "0"}).build().hasWorkloadIdentities()).isFalse();
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--workload-identity", "client-only"}))
                .hasMessageContaining("CLIENT_ID=FEDERATED_TOKEN_FILE");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--workload-identity",
                "c=" + dir.resolve("missing")})).hasMessageContaining("cannot read the federated token file");
        Files.writeString(dir.resolve("empty"), " ");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--workload-identity", "c=" + dir.resolve("empty")}))
                .hasMessageContaining("is empty");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--host-name", "not a host"}))
                .hasMessageContaining("--host-name");
    }

    @Test
    void helpAndBadFlags() {
        assertThat(DevVaultMain.parse(new String[] {"--help"})).isNull();
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--nope", "1"})).hasMessageContaining("--nope");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--https-port"})).hasMessageContaining("needs a value");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--https-port", "x"})).hasMessageContaining("not a number");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--token-port", "70000"})).hasMessageContaining("port");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--public-ip", "nope"})).hasMessageContaining("IPv4");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--secret", "bad_name=top-secret-flag"}))
                .hasMessageContaining("--secret").hasMessageNotContaining("top-secret-flag");
        assertThatThrownBy(() -> DevVaultMain.parse(new String[] {"--secret", "novalue"})).hasMessageContaining("NAME=VALUE");
    }
}
