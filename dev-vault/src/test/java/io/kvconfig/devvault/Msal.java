package io.kvconfig.devvault;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.Map;

import com.microsoft.aad.msal4j.ManagedIdentityApplication;

/**
 * azure-identity 1.18 gets managed identity tokens through MSAL4J, which reads IDENTITY_ENDPOINT, IDENTITY_HEADER
 * and AZURE_POD_IDENTITY_AUTHORITY_HOST from the process environment only (not from the azure-core Configuration
 * given to the credential builder). MSAL's own test hook, the package-private static
 * ManagedIdentityApplication.setEnvironmentVariables, lets a test point it at a dev vault without real env vars.
 * MSAL also caches managed identity tokens in a static, JVM-wide cache.
 */
final class Msal {
    private Msal() {
    }

    /** Makes MSAL see these variables (falling back to the real environment for the others). */
    static void useEnvironment(Map<String, String> vars) {
        try {
            Class<?> iface = Class.forName("com.microsoft.aad.msal4j.IEnvironmentVariables");
            Object env = Proxy.newProxyInstance(iface.getClassLoader(), new Class<?>[] {iface}, (proxy, method, args) -> {
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
        clearTokenCache();
    }

    static void appService(DevVault vault) {
        useEnvironment(Map.of("IDENTITY_ENDPOINT", vault.identityEndpoint(), "IDENTITY_HEADER", vault.identityHeader()));
    }

    static void imds(DevVault vault) {
        useEnvironment(Map.of("AZURE_POD_IDENTITY_AUTHORITY_HOST", vault.podIdentityAuthorityHost()));
    }

    /** Empties MSAL's JVM-wide managed identity token cache. */
    static void clearTokenCache() {
        Object cache = ManagedIdentityApplication.getSharedTokenCache();
        try {
            for (String field : new String[] {"accessTokens", "refreshTokens", "idTokens", "accounts", "appMetadata"}) {
                java.lang.reflect.Field f = cache.getClass().getDeclaredField(field);
                f.setAccessible(true);
                ((Map<?, ?>) f.get(cache)).clear();
            }
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("MSAL4J changed: cannot clear its token cache", e);
        }
    }
}
