package io.kvconfig.runtime.firewall;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

import com.microsoft.aad.msal4j.ManagedIdentityApplication;

import io.kvconfig.devvault.DevVault;

/**
 * azure-identity 1.18 gets managed identity tokens through MSAL4J, which reads IDENTITY_ENDPOINT/IDENTITY_HEADER
 * from System.getenv only (the credential builder's Configuration is ignored there). MSAL's package-private test
 * hook points it at the dev vault without real environment variables; its JVM-wide token cache is emptied so a
 * new dev vault (new signing key) never sees an old token. Same approach as the dev vault's own tests.
 */
final class MsalTestEnvironment {
    private MsalTestEnvironment() {
    }

    static void appService(DevVault vault) {
        Map<String, String> vars = Map.of("IDENTITY_ENDPOINT", vault.identityEndpoint(), "IDENTITY_HEADER", vault.identityHeader());
        try {
            Class<?> iface = Class.forName("com.microsoft.aad.msal4j.IEnvironmentVariables");
            Object env = Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] { iface }, (proxy, method, args) -> {
                if (method.getName().equals("getEnvironmentVariable")) {
                    String name = (String) args[0];
                    return vars.containsKey(name) ? vars.get(name) : System.getenv(name);
                }
                if (method.getName().equals("toString")) {
                    return "DevVaultEnvironment";
                }
                return method.getDeclaringClass() == Object.class ? method.invoke(vars, args) : null;
            });
            Method set = ManagedIdentityApplication.class.getDeclaredMethod("setEnvironmentVariables", iface);
            set.setAccessible(true);
            set.invoke(null, env);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("MSAL4J changed: cannot override its environment", e);
        }
        ManagedIdentityApplication.getSharedTokenCache().deserialize("{}");
    }
}
