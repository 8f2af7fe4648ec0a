package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import io.kvconfig.devvault.DevVault;
import io.kvconfig.runtime.cli.ResolveEnvMain;

/**
 * Every credential type through the REAL azure-identity credential, the real SDK talking HTTPS to the dev vault:
 * workload identity (the dev vault answers Entra ID's instance discovery and client-assertion token request),
 * the Azure CLI (a stand-in {@code az} on PATH printing what {@code az account get-access-token} prints), and the
 * {@code DefaultAzureCredential} chain with no identity endpoint.
 * <p>
 * The credentials read the process environment (AZURE_*, PATH, HOME) and a JVM cannot change its own, so each run
 * is a child JVM with exactly the environment a deployment sets (AKS's workload identity webhook, a developer's
 * shell): the container entrypoint's resolver {@link ResolveEnvMain}, which builds the extension's clients and
 * resolver as the config interceptor does, and prints the extension's startup error when resolution fails.
 * Names resolve through a hosts file of the child (kvtest.vault.azure.net and login.microsoftonline.com to
 * loopback), so the challenge resource verification stays on and MSAL sees Entra's public cloud host.
 */
class CredentialsTest {

    @TempDir
    static Path tmp;
    static DevVault vault;
    static Path hostsFile;
    static Path azDir;
    static String classpath;

    static final String TENANT = "7d4c1b2a-0e3f-4a5b-8c9d-1e2f3a4b5c6d";
    static final String CLIENT_ID = "3b9e8f1c-5a2d-4c6e-9f0a-7b8c9d0e1f2a";
    static final String SECRET_VALUE = "db-password-value-5e1f9c";
    /** What AKS projects into the pod: a service account token (JWT) with audience api://AzureADTokenExchange. */
    static final String FEDERATED_TOKEN = serviceAccountToken("system:serviceaccount:apps:kvconfig", "sig-good-4d2a");
    static final String WRONG_FEDERATED_TOKEN = serviceAccountToken("system:serviceaccount:apps:other", "sig-bad-8b3c");
    static final String CLI_TOKEN_MARK = "standin-cli";

    @BeforeAll
    static void start() throws IOException {
        classpath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        vault = DevVault.builder().httpsPort(0).tokenPort(0).trustStoreDir(tmp.resolve("trust"))
                .ruleDelay(Duration.ZERO).tenantId(TENANT)
                .hostNames("kvtest.vault.azure.net", "login.microsoftonline.com")
                .workloadIdentity(CLIENT_ID, FEDERATED_TOKEN)
                .build().start();
        vault.setSecret("db-password", SECRET_VALUE);
        hostsFile = Files.writeString(tmp.resolve("hosts"),
                "127.0.0.1 localhost kvtest.vault.azure.net login.microsoftonline.com\n::1 localhost\n");
        // the stand-in az, from test resources, made executable as an installed az is
        azDir = Files.createDirectories(tmp.resolve("az-bin"));
        try (InputStream in = CredentialsTest.class.getResourceAsStream("/az-standin/az")) {
            assertThat(in).as("test resource az-standin/az").isNotNull();
            Files.write(azDir.resolve("az"), in.readAllBytes());
        }
        Files.setPosixFilePermissions(azDir.resolve("az"), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @AfterAll
    static void stop() {
        vault.close();
    }

    @BeforeEach
    void reset() {
        vault.journal().reset();
    }

    // ---- workload identity ----

    @Test
    void workloadIdentityExchangesTheFederatedTokenFileAtEntraAndReadsTheSecret() throws Exception {
        Path home = home("wi-ok");
        Map<String, String> env = baseEnv(home, false);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "workload-identity");
        env.putAll(workloadIdentityEnv(home, FEDERATED_TOKEN));

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        // MSAL's instance discovery, then ONE client-assertion token request, then the secret with that token
        assertThat(vault.journal().count("EntraInstanceDiscovery")).isEqualTo(1);
        assertThat(vault.journal().count("EntraToken")).isEqualTo(1);
        assertThat(vault.journal().count("EntraTokenRejected")).isZero();
        assertThat(vault.journal().count("GetSecret")).isGreaterThanOrEqualTo(1);
        assertThat(vault.journal().entries()).filteredOn(e -> e.operation().equals("GetSecret"))
                .extracting(e -> e.status()).contains(200);
        // nothing else was asked for a token: not the managed identity endpoint, not az
        assertThat(vault.journal().count("Token")).isZero();
        assertThat(Files.exists(home.resolve(".azure/standin-calls"))).isFalse();
        assertNoCredentialMaterial(r);
    }

    @Test
    void wrongFederatedTokenStopsTheStartWithEntrasReasonNamingTheCredential() throws Exception {
        Path home = home("wi-wrong");
        Map<String, String> env = baseEnv(home, false);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "workload-identity");
        env.putAll(workloadIdentityEnv(home, WRONG_FEDERATED_TOKEN));

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.records()).isEmpty();
        // the startup error itself (not the SDK's own log lines before it) names the credential and Entra's reason
        assertThat(report(r))
                .contains("property 'DB_PASSWORD', secret 'db-password'")
                .contains("authentication failed")
                .contains("WorkloadIdentityCredential")
                // Entra's reason, naming the presented subject (never the assertion itself)
                .contains("AADSTS700213")
                .contains("system:serviceaccount:apps:other");
        assertThat(vault.journal().count("EntraTokenRejected")).isGreaterThanOrEqualTo(1);
        assertThat(vault.journal().count("EntraToken")).isZero();
        // no secret was read: the vault only saw the request without a token (answered with its challenge)
        assertThat(vault.journal().count("GetSecret")).isZero();
        assertThat(vault.journal().count("Challenge")).isGreaterThanOrEqualTo(1);
        assertNoCredentialMaterial(r);
    }

    // ---- managed identity, from the environment the platform sets ----

    @Test
    void managedIdentityReadsAppServiceVariablesFromTheEnvironment() throws Exception {
        Path home = home("mi-appservice");
        Map<String, String> env = baseEnv(home, false);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "managed-identity");
        // App Service / Container Apps: the platform sets these (no quarkus.kvconfig.credential.identity-endpoint)
        env.put("IDENTITY_ENDPOINT", vault.identityEndpoint());
        env.put("IDENTITY_HEADER", vault.identityHeader());

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        assertThat(vault.journal().count("Token")).isEqualTo(1);
        assertNoCredentialMaterial(r);
    }

    @Test
    void managedIdentityOnAVmAsksImds() throws Exception {
        Path home = home("mi-imds");
        Map<String, String> env = baseEnv(home, false);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "managed-identity");
        // IMDS at the dev vault's token endpoint (the variable AKS pod identity sets; the path is IMDS's)
        env.put("AZURE_POD_IDENTITY_AUTHORITY_HOST", vault.podIdentityAuthorityHost());

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        assertThat(vault.journal().entries()).filteredOn(e -> e.operation().equals("Token"))
                .extracting(e -> e.path()).containsExactly("/metadata/identity/oauth2/token");
        assertNoCredentialMaterial(r);
    }

    @Test
    void managedIdentityWithAWrongHeaderStopsTheStartNamingTheCredential() throws Exception {
        Path home = home("mi-wrong");
        Map<String, String> env = baseEnv(home, false);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "managed-identity");
        env.put("IDENTITY_ENDPOINT", vault.identityEndpoint());
        env.put("IDENTITY_HEADER", "not-the-identity-header");

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(report(r)).contains("property 'DB_PASSWORD', secret 'db-password'")
                .contains("authentication failed").contains("ManagedIdentityCredential")
                .doesNotContain("not-the-identity-header").doesNotContain(vault.identityHeader());
        assertThat(r.err()).doesNotContain(vault.identityHeader());
        assertThat(vault.journal().count("TokenRejected")).isGreaterThanOrEqualTo(1);
        assertThat(vault.journal().count("GetSecret")).isZero();
        assertNoCredentialMaterial(r);
    }

    // ---- Azure CLI ----

    @Test
    void azureCliRunsAzOnThePathAndUsesTheTokenItPrinted() throws Exception {
        Path home = home("cli-ok");
        signInStandIn(home);
        Map<String, String> env = baseEnv(home, true);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "azure-cli");

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        // az was asked exactly what the SDK asks, once, in the tenant the vault's challenge named
        assertThat(Files.readAllLines(home.resolve(".azure/standin-calls"))).containsExactly(
                "account get-access-token --output json --resource https://vault.azure.net --tenant " + TENANT);
        assertThat(vault.journal().entries()).filteredOn(e -> e.operation().equals("GetSecret"))
                .extracting(e -> e.status()).contains(200);
        assertThat(vault.journal().count("EntraToken") + vault.journal().count("Token")).isZero();
        assertNoCredentialMaterial(r);
    }

    @Test
    void azureCliNotSignedInStopsTheStartSayingAzLogin() throws Exception {
        Path home = home("cli-no-login");
        Map<String, String> env = baseEnv(home, true);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_TYPE", "azure-cli");

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.records()).isEmpty();
        assertThat(report(r))
                .contains("property 'DB_PASSWORD', secret 'db-password'")
                .contains("authentication failed")
                .contains("AzureCliCredential")
                .contains("az login");
        assertThat(Files.readAllLines(home.resolve(".azure/standin-calls"))).isNotEmpty();
        assertNoCredentialMaterial(r);
    }

    // ---- DefaultAzureCredential, no identity endpoint ----

    @Test
    void defaultChainWorkloadIdentityVariablesWinBeforeAzureCli() throws Exception {
        Path home = home("chain-wi");
        signInStandIn(home);
        Map<String, String> env = baseEnv(home, true);
        env.putAll(workloadIdentityEnv(home, FEDERATED_TOKEN));

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        assertThat(vault.journal().count("EntraToken")).isEqualTo(1);
        // workload identity comes before the Azure CLI in the chain: az is never run
        assertThat(Files.exists(home.resolve(".azure/standin-calls"))).isFalse();
        assertNoCredentialMaterial(r);
    }

    @Test
    void defaultChainWithOnlyTheAzureCliUsesIt() throws Exception {
        Path home = home("chain-cli");
        signInStandIn(home);
        Map<String, String> env = baseEnv(home, true);
        env.putAll(noManagedIdentity());

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        assertThat(Files.readAllLines(home.resolve(".azure/standin-calls"))).hasSize(1);
        assertThat(vault.journal().count("EntraToken") + vault.journal().count("Token")).isZero();
        assertNoCredentialMaterial(r);
    }

    @Test
    void defaultChainWhereNothingWorksNamesEveryCredentialTried() throws Exception {
        Path home = home("chain-none");
        Map<String, String> env = baseEnv(home, true); // az present but not signed in
        env.putAll(noManagedIdentity());

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(r.records()).isEmpty();
        assertThat(report(r))
                .contains("property 'DB_PASSWORD', secret 'db-password'")
                .contains("authentication failed")
                .contains("DefaultAzureCredential")
                // DefaultAzureCredential's chained message: each credential it tried, in its words (azure-identity
                // 1.18: PowerShell's line does not name its class when pwsh is missing)
                .containsSubsequence("EnvironmentCredential", "WorkloadIdentityCredential", "ManagedIdentityCredential",
                        "IntelliJ", "Visual Studio Code", "AzureCliCredential", "Azure Power Shell",
                        "AzureDeveloperCliCredential")
                .contains("Connection to IMDS endpoint cannot be established")
                .contains("az login");
        assertNoCredentialMaterial(r);
    }

    // ---- an identity endpoint replaces the chain ----

    @Test
    void aSetIdentityEndpointIsUsedAloneEvenWhereTheChainWouldFindAnotherCredential() throws Exception {
        Path home = home("endpoint");
        signInStandIn(home);
        Map<String, String> env = baseEnv(home, true);
        env.putAll(workloadIdentityEnv(home, FEDERATED_TOKEN));
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT", vault.identityEndpoint());
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_HEADER", vault.identityHeader());

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.records()).containsExactly("SDB_PASSWORD=" + SECRET_VALUE, ResolveEnvMain.DONE);
        // credential.type is default, yet neither workload identity (first in the chain) nor az was asked
        assertThat(vault.journal().count("Token")).isEqualTo(1);
        assertThat(vault.journal().count("EntraToken") + vault.journal().count("EntraInstanceDiscovery")).isZero();
        assertThat(Files.exists(home.resolve(".azure/standin-calls"))).isFalse();
        assertNoCredentialMaterial(r);
    }

    @Test
    void aWrongIdentityHeaderFailsWithoutFallingBackToTheChain() throws Exception {
        Path home = home("endpoint-wrong");
        signInStandIn(home);
        Map<String, String> env = baseEnv(home, true);
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_ENDPOINT", vault.identityEndpoint());
        env.put("QUARKUS_KVCONFIG_CREDENTIAL_IDENTITY_HEADER", "not-the-header");

        Run r = run(env);

        assertThat(r.code()).as(r.err()).isEqualTo(1);
        assertThat(report(r)).contains("property 'DB_PASSWORD', secret 'db-password'")
                .contains("managed identity endpoint " + vault.identityEndpoint())
                .contains("401").doesNotContain("not-the-header").doesNotContain(vault.identityHeader());
        assertThat(vault.journal().count("TokenRejected")).isGreaterThanOrEqualTo(1);
        assertThat(Files.exists(home.resolve(".azure/standin-calls"))).isFalse();
        assertNoCredentialMaterial(r);
    }

    // ---- helpers ----

    /** A JWT-shaped service account token as AKS writes it (its signature is irrelevant to the dev vault). */
    static String serviceAccountToken(String subject, String signature) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = "{\"alg\":\"RS256\",\"kid\":\"aks-sa-key\"}";
        String claims = "{\"aud\":[\"api://AzureADTokenExchange\"],\"iss\":\"https://oidc.prod-aks.azure.com/"
                + "00000000-0000-0000-0000-00000000000a/\",\"sub\":\"" + subject + "\",\"exp\":4102444800}";
        return b64.encodeToString(header.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(signature.getBytes(StandardCharsets.UTF_8));
    }

    static Path home(String name) throws IOException {
        return Files.createDirectories(tmp.resolve("home-" + name).resolve(".azure")).getParent();
    }

    /** Makes the stand-in az "signed in": it prints a token the dev vault issued for https://vault.azure.net. */
    static void signInStandIn(Path home) throws IOException {
        Files.writeString(home.resolve(".azure/standin-token"),
                vault.issueToken("https://vault.azure.net", Duration.ofHours(1)));
        Files.writeString(home.resolve(".azure/standin-tenant"), TENANT);
    }

    /**
     * A machine without a managed identity: nothing answers at the IMDS address. This sandbox's egress filter answers
     * 169.254.169.254 itself (403 "resolve_deny"), which the chain takes as a managed identity that failed (and stops),
     * so IMDS is pointed at a loopback port nothing listens on, as a VM's IMDS route that refuses connections.
     */
    static Map<String, String> noManagedIdentity() throws IOException {
        int port;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        return Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", "http://127.0.0.1:" + port);
    }

    /** What AKS's workload identity webhook sets in the pod (the token file is a projected volume). */
    static Map<String, String> workloadIdentityEnv(Path home, String federatedToken) throws IOException {
        Path tokenFile = Files.writeString(home.resolve("azure-identity-token"), federatedToken);
        return Map.of(
                "AZURE_AUTHORITY_HOST", vault.authorityHost("login.microsoftonline.com"),
                "AZURE_CLIENT_ID", CLIENT_ID,
                "AZURE_TENANT_ID", TENANT,
                "AZURE_FEDERATED_TOKEN_FILE", tokenFile.toString());
    }

    /** A clean environment: the vault and its trust store, one reference; PATH with or without the stand-in az. */
    static Map<String, String> baseEnv(Path home, boolean withAz) {
        Map<String, String> env = new HashMap<>();
        env.put("PATH", (withAz ? azDir + ":" : "") + "/usr/bin:/bin");
        env.put("HOME", home.toString());
        env.put("KEY_VAULT_URL", vault.vaultUrl("kvtest.vault.azure.net") + "/");
        env.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE", vault.trustStorePath().toString());
        env.put("QUARKUS_KVCONFIG_TLS_TRUST_STORE_PASSWORD", vault.trustStorePassword());
        env.put("QUARKUS_KVCONFIG_STARTUP_TIMEOUT", "60S");
        env.put("DB_PASSWORD", "@kv:db-password");
        return env;
    }

    record Run(int code, List<String> records, String err) {
    }

    /** ResolveEnvMain in a child JVM with exactly {@code env}; its records come through stdout (a pipe). */
    static Run run(Map<String, String> env) throws Exception {
        List<String> cmd = List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1", "-Djdk.net.hosts.file=" + hostsFile, "-Dvertx.disableDnsResolver=true",
                "-cp", classpath, ResolveEnvMain.class.getName(), "--output", "/dev/stdout");
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        Process p = pb.start();
        CompletableFuture<byte[]> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the resolver did not finish in 180 s: " + new String(err.getNow(new byte[0])));
        }
        List<String> records = new ArrayList<>();
        byte[] bytes = out.get(30, TimeUnit.SECONDS);
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                records.add(new String(bytes, start, i - start, StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        return new Run(p.exitValue(), records, new String(err.get(30, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try (in; ByteArrayOutputStream b = new ByteArrayOutputStream()) {
            in.transferTo(b);
            return b.toByteArray();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The extension's startup error: from its first line to the end of stderr. */
    static String report(Run r) {
        int at = r.err().indexOf("kvconfig: Could not resolve");
        assertThat(at).as("a startup error in: " + r.err()).isNotNegative();
        return r.err().substring(at);
    }

    /** No secret value, federated token or access token in what the process printed besides its records. */
    static void assertNoCredentialMaterial(Run r) {
        assertThat(r.err()).doesNotContain(SECRET_VALUE)
                .doesNotContain(FEDERATED_TOKEN).doesNotContain(WRONG_FEDERATED_TOKEN)
                .doesNotContain(FEDERATED_TOKEN.substring(FEDERATED_TOKEN.lastIndexOf('.')))
                .doesNotContain(WRONG_FEDERATED_TOKEN.substring(WRONG_FEDERATED_TOKEN.lastIndexOf('.')))
                // every access token the dev vault issues is a JWT whose header starts like this
                .doesNotContainPattern("eyJ0eXAiOiJKV1Qi[A-Za-z0-9_-]*\\.");
    }
}
