package io.kvconfig.service.firewall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.service.LeakCheck;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

/**
 * A dev vault whose firewall denies public traffic (no rule for the caller), and the service pointed at it with
 * allowlisting on: KEY_VAULT_RG / KEY_VAULT_NAME / AZURE_SUBSCRIPTION_ID and the dev vault's Resource Manager and IP
 * echo (what the Dev Service provides). The admin secret is itself a {@code @kv:} reference, so the service only
 * starts if startup allowlisting worked. Init arg {@code mode=echo-down}: the vault allows public traffic and every
 * IP echo endpoint is down, to show that a failed allowlisting run does not stop the service. Init arg
 * {@code mode=on-refusal-rule-present}: the vault denies, the caller's rule is already there, and
 * {@code quarkus.kvconfig.firewall.when=on-refusal}: a start that is let through runs no allowlisting.
 */
public class FirewallTestVault implements QuarkusTestResourceLifecycleManager {

    public static final String ADMIN_SECRET = "fw-adm1n-" + Long.toHexString(System.nanoTime());
    public static final String OTHER_RULE = "198.51.100.0/24";

    static volatile DevVault vault;
    static volatile String downEchoUrl;
    static volatile Path envFile;
    private String mode = "deny";

    @Override
    public void init(Map<String, String> initArgs) {
        mode = initArgs.getOrDefault("mode", "deny");
    }

    @Override
    public Map<String, String> start() {
        // the leak net is in place before the app starts
        LeakCheck.install();
        LeakCheck.secret(ADMIN_SECRET);
        try {
            Path dir = Files.createTempDirectory("kvconfig-firewall-test");
            Path env = dir.resolve("settings.env");
            envFile = env;
            vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(dir.resolve("tls")).build().start();
            vault.setSecret("admin-secret", ADMIN_SECRET);
            vault.setSecret("app-secret", "app-" + ADMIN_SECRET);
            Files.writeString(env, "ADMIN_SECRET=@kv:admin-secret\n"
                    + "KEY_VAULT_RG=" + vault.resourceGroup() + "\n"
                    + "KEY_VAULT_NAME=" + vault.vaultName() + "\n"
                    + "AZURE_SUBSCRIPTION_ID=" + vault.subscriptionId() + "\n");
            Map<String, String> config = new HashMap<>();
            config.put("kvconfig.service.env-file", env.toString());
            config.put("quarkus.kvconfig.url", vault.vaultUrl());
            config.put("quarkus.kvconfig.credential.identity-endpoint", vault.identityEndpoint());
            config.put("quarkus.kvconfig.credential.identity-header", vault.identityHeader());
            config.put("quarkus.kvconfig.tls.trust-store", vault.trustStorePath().toString());
            config.put("quarkus.kvconfig.tls.trust-store-password", vault.trustStorePassword());
            config.put("quarkus.kvconfig.challenge-resource-verification", "false");
            config.put("quarkus.kvconfig.firewall.resource-manager-url", vault.resourceManagerUrl());
            config.put("quarkus.kvconfig.firewall.propagation-timeout", "20S");
            if (mode.equals("echo-down")) {
                vault.firewall().defaultAction("Allow");
                try (ServerSocket s = new ServerSocket(0)) {
                    downEchoUrl = "http://127.0.0.1:" + s.getLocalPort() + "/ip";
                }
                config.put("quarkus.kvconfig.firewall.ip-echo-urls", downEchoUrl);
            } else if (mode.equals("on-refusal-rule-present")) {
                vault.firewall().defaultAction("Deny").addIpRule(OTHER_RULE).addIpRule(vault.publicIp());
                config.put("quarkus.kvconfig.firewall.ip-echo-urls", vault.ipEchoUrl());
                config.put("quarkus.kvconfig.firewall.when", "on-refusal");
            } else {
                vault.firewall().defaultAction("Deny").addIpRule(OTHER_RULE);
                config.put("quarkus.kvconfig.firewall.ip-echo-urls", vault.ipEchoUrl());
            }
            return config;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void stop() {
        if (vault != null) {
            vault.close();
        }
    }
}
