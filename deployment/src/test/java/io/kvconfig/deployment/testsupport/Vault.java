package io.kvconfig.deployment.testsupport;

import java.lang.management.ManagementFactory;

import javax.management.MBeanServer;
import javax.management.MalformedObjectNameException;
import javax.management.ObjectName;

/** A test's handle on a shared dev vault (see {@link TestVaults}); usable from either class loader. */
public final class Vault {

    private final ObjectName name;
    private final MBeanServer server = ManagementFactory.getPlatformMBeanServer();

    Vault(ObjectName name) {
        this.name = name;
    }

    static ObjectName objectName(String key) {
        try {
            return new ObjectName("io.kvconfig.test:type=DevVault,name=" + ObjectName.quote(key));
        } catch (MalformedObjectNameException e) {
            throw new IllegalArgumentException(e);
        }
    }

    public String vaultUrl() {
        return (String) attr("VaultUrl");
    }

    public String identityEndpoint() {
        return (String) attr("IdentityEndpoint");
    }

    public String identityHeader() {
        return (String) attr("IdentityHeader");
    }

    public String trustStorePath() {
        return (String) attr("TrustStorePath");
    }

    public String trustStorePassword() {
        return (String) attr("TrustStorePassword");
    }

    /** Journal count of one operation (GetSecret, Token, Challenge, SetSecret, ...). */
    public long count(String operation) {
        return (Long) invoke("count", operation);
    }

    /** GetSecret requests for {@code secret} (any version, any case) in the journal. */
    public long gets(String secret) {
        return (Long) invoke("gets", secret);
    }

    /** Key Vault's 403 for every operation on this secret, until {@link #allowSecret}. */
    public void denySecret(String secret) {
        invoke("denySecret", secret);
    }

    public void allowSecret(String secret) {
        invoke("allowSecret", secret);
    }

    /** Sets a secret directly; returns the new version id. */
    public String setSecret(String name, String value) {
        return (String) invoke("setSecret", name, value);
    }

    public String secretValue(String name) {
        return (String) invoke("secretValue", name);
    }

    public void firewallDefaultAction(String action) {
        invoke("defaultAction", action);
    }

    public void throttleNext(int n, int retryAfterSeconds) {
        invoke("throttleNext", n, retryAfterSeconds);
    }

    public void latencyMillis(long millis) {
        invoke("latencyMillis", millis);
    }

    public void resetJournal() {
        invoke("resetJournal");
    }

    /** A data-plane token, as the token endpoint would issue it. */
    public String issueToken() {
        return (String) invoke("issueToken", "https://vault.azure.net");
    }

    private Object attr(String attribute) {
        try {
            return server.getAttribute(name, attribute);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private Object invoke(String action, Object... params) {
        try {
            String[] sig = new String[params.length];
            for (int i = 0; i < params.length; i++) {
                sig[i] = params[i].getClass().getName();
            }
            return server.invoke(name, action, params, sig);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
