package io.kvconfig.devvault;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Runs the dev vault as a process:
 * {@code java -jar kvconfig-dev-vault.jar --https-port 8443 --token-port 8081 ...}; prints the URLs and the
 * environment a client needs, then serves until stopped (Ctrl+C / SIGTERM).
 */
public final class DevVaultMain {
    private DevVaultMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        DevVault.Builder b;
        try {
            b = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("dev-vault: " + e.getMessage());
            usage(System.err);
            System.exit(2);
            return;
        }
        if (b == null) {
            usage(System.out);
            return;
        }
        DevVault vault;
        try {
            vault = b.build().start();
        } catch (RuntimeException e) {
            System.err.println("dev-vault: cannot start: " + e.getMessage()
                    + (e.getCause() != null ? " (" + e.getCause().getMessage() + ")" : ""));
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            vault.close();
            stopped.countDown();
        }, "dev-vault-shutdown"));
        printBanner(vault, System.out);
        stopped.await();
    }

    /** The builder the flags describe; null for --help. Throws IllegalArgumentException naming a bad flag. */
    static DevVault.Builder parse(String[] args) {
        DevVault.Builder b = DevVault.builder().httpsPort(8443).tokenPort(8081).trustStoreDir(Path.of(".dev-vault"));
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                value = arg.substring(eq + 1);
                arg = arg.substring(0, eq);
            }
            if (arg.equals("--help") || arg.equals("-h")) {
                return null;
            }
            java.util.function.BiConsumer<DevVault.Builder, Boolean> sw = SWITCHES.get(arg);
            if (sw != null) {
                // switches: bare, or =true / =false
                sw.accept(b, value == null || parseSwitch(arg, value));
                continue;
            }
            if (value == null) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException(arg + " needs a value");
                }
                value = args[++i];
            }
            try {
                switch (arg) {
                    case "--https-port" -> b.httpsPort(port(value));
                    case "--token-port" -> b.tokenPort(port(value));
                    case "--bind" -> b.bindAddress(value);
                    case "--public-ip" -> b.publicIp(value);
                    case "--state-file" -> b.stateFile(Path.of(value));
                    case "--trust-store-dir" -> b.trustStoreDir(Path.of(value));
                    case "--latency-ms" -> b.latency(Duration.ofMillis(Long.parseLong(value)));
                    case "--rule-delay-ms" -> b.ruleDelay(Duration.ofMillis(Long.parseLong(value)));
                    case "--identity-header" -> b.identityHeader(value);
                    case "--default-action" -> b.defaultAction(value);
                    case "--service-limit" -> b.serviceLimits(Integer.parseInt(value), Faults.SERVICE_LIMIT_WINDOW);
                    case "--delete-delay-ms" -> b.deletionDelay(Duration.ofMillis(Long.parseLong(value)));
                    case "--recover-delay-ms" -> b.recoveryDelay(Duration.ofMillis(Long.parseLong(value)));
                    case "--idle-timeout-ms" -> b.idleConnectionTimeout(Duration.ofMillis(Long.parseLong(value)));
                    case "--subscription-id" -> b.subscriptionId(value);
                    case "--resource-group" -> b.resourceGroup(value);
                    case "--vault-name" -> b.vaultName(value);
                    case "--host-name" -> b.hostNames(value);
                    case "--event-webhook" -> {
                        try {
                            b.eventWebhook(java.net.URI.create(value));
                        } catch (IllegalArgumentException e) {
                            // the URL may carry the shared secret: never echoed
                            throw new IllegalArgumentException("not a URL");
                        }
                    }
                    case "--event-schema" -> b.eventSchema(EventGrid.Schema.parse(value));
                    case "--event-header" -> {
                        int sep = value.indexOf('=');
                        if (sep <= 0) {
                            throw new IllegalArgumentException("takes NAME=VALUE");
                        }
                        b.eventHeader(value.substring(0, sep), value.substring(sep + 1));
                    }
                    case "--workload-identity" -> {
                        int sep = value.indexOf('=');
                        if (sep <= 0 || sep == value.length() - 1) {
                            throw new IllegalArgumentException("takes CLIENT_ID=FEDERATED_TOKEN_FILE");
                        }
                        String file = value.substring(sep + 1);
                        String token;
                        try {
                            token = java.nio.file.Files.readString(Path.of(file));
                        } catch (java.io.IOException | java.nio.file.InvalidPathException e) {
                            throw new IllegalArgumentException("cannot read the federated token file " + file);
                        }
                        if (token.isBlank()) {
                            throw new IllegalArgumentException("the federated token file " + file + " is empty");
                        }
                        b.workloadIdentity(value.substring(0, sep), token);
                    }
                    case "--secret" -> {
                        int sep = value.indexOf('=');
                        if (sep <= 0) {
                            throw new IllegalArgumentException("takes NAME=VALUE");
                        }
                        b.secret(value.substring(0, sep), value.substring(sep + 1));
                    }
                    default -> throw new IllegalArgumentException("unknown option");
                }
            } catch (IllegalArgumentException e) {
                // never echo the value: --secret carries one
                throw new IllegalArgumentException(arg + ": " + (e instanceof NumberFormatException
                        ? "not a number" : arg.equals("--secret") || arg.equals("--event-header")
                                ? e.getMessage().replace(value, "<value>")
                                : e.getMessage()));
            }
        }
        return b;
    }

    /** Flags that take no value (or =true / =false). */
    private static final java.util.Map<String, java.util.function.BiConsumer<DevVault.Builder, Boolean>> SWITCHES =
            java.util.Map.of(
                    "--arm-deny-writes", DevVault.Builder::armDenyWrites,
                    "--arm-deny-reads", DevVault.Builder::armDenyReads,
                    "--deny-secret-reads", DevVault.Builder::denySecretReads,
                    "--deny-secret-writes", DevVault.Builder::denySecretWrites,
                    "--access-policies", DevVault.Builder::accessPolicies,
                    "--no-network-acls", DevVault.Builder::noNetworkAcls,
                    "--service-limits", (b, on) -> b.serviceLimits(on));

    private static boolean parseSwitch(String arg, String value) {
        return switch (value.toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(arg + ": takes no value, or =true / =false");
        };
    }

    private static int port(String value) {
        int p = Integer.parseInt(value);
        if (p < 0 || p > 65535) {
            throw new IllegalArgumentException("not a port number");
        }
        return p;
    }

    static void printBanner(DevVault v, PrintStream out) {
        out.println("Dev vault is running (Ctrl+C stops it).");
        out.println("  Vault URL (data plane):  " + v.vaultUrl());
        out.println("  Resource Manager (ARM):  " + v.resourceManagerUrl());
        out.println("  Vault resource id:       " + v.vaultResourceId());
        out.println("  IP echo:                 " + v.ipEchoUrl() + "   (answers " + v.publicIp() + ")");
        out.println("  Token endpoint (App Svc):" + " " + v.identityEndpoint());
        out.println("  Token endpoint (IMDS):   " + v.podIdentityAuthorityHost() + "/metadata/identity/oauth2/token");
        if (v.hasWorkloadIdentities()) {
            out.println("  Entra ID (workload id):  " + v.vaultUrl() + "/<tenant>/oauth2/v2.0/token   (AZURE_AUTHORITY_HOST="
                    + v.vaultUrl() + "/; MSAL also asks login.microsoftonline.com on this port: resolve it here"
                    + " and add --host-name login.microsoftonline.com)");
        }
        out.println("  CA certificate:          " + v.caCertificatePath());
        out.println("  Trust store (PKCS#12):   " + v.trustStorePath() + "   (password " + v.trustStorePassword() + ")");
        out.println("  State file:              " + v.stateFile().map(Path::toString).orElse("(none: in memory only)"));
        if (v.arm().deniesReads() || v.arm().deniesWrites()) {
            out.println("  ARM access:              " + (v.arm().deniesReads() ? "reads" : "")
                    + (v.arm().deniesReads() && v.arm().deniesWrites() ? " and " : "")
                    + (v.arm().deniesWrites() ? "writes" : "") + " of the vault refused (403 AuthorizationFailed)");
        }
        SecretAccess sa = v.secretAccess();
        if (sa.deniesReads() || sa.deniesWrites()) {
            out.println("  Secret access:           " + (sa.deniesReads() ? "reads" : "")
                    + (sa.deniesReads() && sa.deniesWrites() ? " and " : "") + (sa.deniesWrites() ? "writes" : "")
                    + " refused (403 " + (sa.usesAccessPolicies() ? "AccessDenied" : "ForbiddenByRbac") + ")");
        }
        if (v.faults().serviceLimit() > 0) {
            out.println("  Service limit:           " + v.faults().serviceLimit() + " secrets transactions per "
                    + v.faults().serviceLimitWindow().toSeconds() + " s (429 Throttled beyond it)");
        }
        v.events().describe().ifPresent(d -> out.println("  Event webhook:           " + d));
        if (!v.firewall().hasNetworkAcls()) {
            out.println("  Network rules:           none (the vault resource has no networkAcls)");
        }
        out.println();
        out.println("# Environment for a client (bash: copy these lines):");
        out.println("export KEY_VAULT_URL=" + v.vaultUrl());
        out.println("export QUARKUS_KVCONFIG_URL=" + v.vaultUrl());
        out.println("export IDENTITY_ENDPOINT=" + v.identityEndpoint());
        out.println("export IDENTITY_HEADER=" + v.identityHeader());
        out.println("export QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT=" + v.identityEndpoint());
        out.println("export QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_HEADER=" + v.identityHeader());
        out.println("export QUARKUS_KVCONFIG_TLS_TRUST_STORE=" + v.trustStorePath());
        out.println("export QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD=" + v.trustStorePassword());
        out.println("# (the extension also takes the CA as PEM, without a password and faster to load:");
        out.println("#  QUARKUS_KVCONFIG_TLS_TRUST_STORE=" + v.caCertificatePath() + "; the Dev Service passes that one)");
        out.println("export QUARKUS_KVCONFIG_CHALLENGE_RESOURCE_VERIFICATION=false");
        out.println("export QUARKUS_KVCONFIG_FIREWALL_RESOURCE_MANAGER_URL=" + v.resourceManagerUrl());
        out.println("export QUARKUS_KVCONFIG_FIREWALL_IP_ECHO_URLS=" + v.ipEchoUrl());
        out.println("export AZURE_TENANT_ID=" + v.tenantId());
        out.println("export AZURE_SUBSCRIPTION_ID=" + v.subscriptionId());
        out.println("# KEY_VAULT_RG turns firewall allowlisting on (about 0.4 s more per start): leave it out to skip that step");
        out.println("export KEY_VAULT_RG=" + v.resourceGroup());
        out.println("export KEY_VAULT_NAME=" + v.vaultName());
        out.flush();
    }

    private static void usage(PrintStream out) {
        out.println("""
                Usage: java -jar kvconfig-dev-vault-1.0.0-SNAPSHOT.jar [options]
                  --https-port N        HTTPS port: data plane, ARM, /ip (default 8443; 0 = free port)
                  --token-port N        plain HTTP token endpoint port (default 8081; 0 = free port)
                  --bind ADDRESS        address to listen on (default 127.0.0.1)
                  --public-ip IP        caller IP the firewall sees and /ip echoes (default 203.0.113.10)
                  --state-file FILE     keep secrets and settings in FILE (0600); default: memory only
                  --trust-store-dir DIR write ca.pem and truststore.p12 to DIR (default .dev-vault)
                  --latency-ms N        add N ms to every HTTPS request (default 0)
                  --rule-delay-ms N     delay before an ARM firewall change takes effect (default 0)
                  --default-action A    initial firewall default action: Allow (default) or Deny
                  --identity-header S   the IDENTITY_HEADER value to require (default random/saved)
                  --subscription-id S, --resource-group G, --vault-name V   the emulated ARM resource
                  --secret NAME=VALUE   set a secret at start unless the state file has it (repeatable)
                  --host-name NAME      an extra DNS name in the HTTPS certificate (repeatable)
                  --workload-identity CLIENT_ID=FILE   Entra ID's token side accepts FILE's content as the federated
                                        token of CLIENT_ID (AZURE_FEDERATED_TOKEN_FILE); repeatable
                  --arm-deny-writes     ARM PUT/PATCH of the vault answer 403 AuthorizationFailed (no write role)
                  --arm-deny-reads      ARM GET of the vault answers 403 AuthorizationFailed (no read role)
                  --deny-secret-reads   secret reads answer 403 ForbiddenByRbac (AccessDenied with --access-policies)
                  --deny-secret-writes  secret writes answer 403 ForbiddenByRbac (AccessDenied with --access-policies)
                  --access-policies     an access-policy vault: authorization 403s carry AccessDenied
                  --no-network-acls     a vault never given network rules: no properties.networkAcls in ARM
                  --service-limits      enforce Key Vault's limit: 4000 secrets transactions per 10 s (429 beyond)
                  --service-limit N     the same with N transactions per 10 s
                  --delete-delay-ms N   how long a soft delete runs (default 300)
                  --recover-delay-ms N  how long a recovery runs (default 300)
                  --idle-timeout-ms N   close HTTPS connections idle N ms, without notice (default 0 = never)
                  --event-webhook URL   POST Microsoft.KeyVault.SecretNewVersionCreated to URL for every new secret
                                        version, after Event Grid's validation handshake (URL may hold ?code=SECRET)
                  --event-schema S      eventgrid (default) or cloudevents (CloudEvents 1.0)
                  --event-header NAME=VALUE   a header sent with every event request (repeatable)""");
    }
}
