package io.kvconfig.runtime.devui;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import jakarta.inject.Inject;

import org.eclipse.microprofile.config.ConfigProvider;
import org.jboss.logging.Logger;

import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.profile.AzureProfile;
import com.azure.resourcemanager.keyvault.KeyVaultManager;
import com.azure.resourcemanager.keyvault.fluent.VaultsClient;
import com.azure.resourcemanager.keyvault.fluent.models.VaultInner;
import com.azure.resourcemanager.keyvault.models.IpRule;
import com.azure.resourcemanager.keyvault.models.NetworkRuleSet;
import com.azure.resourcemanager.keyvault.models.VirtualNetworkRule;
import com.azure.security.keyvault.secrets.SecretAsyncClient;
import com.azure.security.keyvault.secrets.models.KeyVaultSecret;
import com.azure.security.keyvault.secrets.models.SecretProperties;

import io.kvconfig.runtime.KeyVault;
import io.kvconfig.runtime.ReferenceStatus;
import io.kvconfig.runtime.firewall.AllowlistResult;
import io.kvconfig.runtime.firewall.FirewallSettings;
import io.kvconfig.runtime.vault.ErrorClassifier;
import io.kvconfig.runtime.vault.KeyVaultClients;

/**
 * The Dev UI card's JSON-RPC methods (registered by the deployment in local dev mode only; not a bean otherwise).
 * <p>
 * No answer ever holds a secret value: references and secrets are listed by name and status, and
 * {@link #setSecret} takes a value in but answers with the secret's name and attributes only. Writes go to the Dev
 * Service's dev vault only; with a vault the app configured itself they are refused.
 * <p>
 * The methods carry no {@code @JsonRpcDescription}: Quarkus then offers them to the Dev UI only, not to Dev MCP
 * tools. Failures come back as {@code ok=false} answers with a message rather than JSON-RPC errors, so the page can
 * show them in place.
 */
public class KvConfigJsonRpcService {

    private static final Logger LOG = Logger.getLogger(KvConfigJsonRpcService.class);

    /** Key Vault secret names: 1-127 characters of 0-9, a-z, A-Z and '-'. */
    static final Pattern SECRET_NAME = Pattern.compile("[0-9a-zA-Z-]{1,127}");
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    @Inject
    KeyVault keyVault;

    /** Resource Manager client of the dev vault's emulated subscription, kept while the shared clients stay the same. */
    private volatile CachedVaults cachedVaults;

    private record CachedVaults(KeyVaultClients clients, String subscription, String armUrl, VaultsClient vaults) {
    }

    // ---- answers (names, statuses and attributes; never a value) ----

    /** A secret of the dev vault, by name. */
    public record SecretView(String name, boolean enabled, String created, String updated, String contentType) {
        static SecretView of(SecretProperties p) {
            return new SecretView(p.getName(), !Boolean.FALSE.equals(p.isEnabled()), text(p.getCreatedOn()),
                    text(p.getUpdatedOn()), p.getContentType());
        }
    }

    /**
     * The vault the app uses.
     *
     * @param vaultUrl the app's vault URL (null when none is configured)
     * @param devService true when it is the Dev Service's dev vault (only then are secrets listed and written)
     * @param message what the page should say about it, and why something is not shown
     */
    public record DevVaultView(boolean ok, String vaultUrl, boolean devService, String vaultName, String resourceGroup,
            String subscriptionId, List<SecretView> secrets, String message) {
    }

    /** The outcome of a set or delete: the secret's attributes, never its value. */
    public record WriteResult(boolean ok, String message, SecretView secret) {
        static WriteResult refused(String message) {
            return new WriteResult(false, message, null);
        }
    }

    /** The dev vault's firewall as Resource Manager reports it. */
    public record FirewallView(boolean ok, String message, String vaultName, String resourceGroup, String defaultAction,
            String bypass, String publicNetworkAccess, List<String> ipRules, List<String> virtualNetworkRules) {
        static FirewallView unavailable(String message) {
            return new FirewallView(false, message, null, null, null, null, null, List.of(), List.of());
        }
    }

    /**
     * The last allowlisting run of this process.
     *
     * @param ran false when none ran (then only {@code enabled} and {@code message} are set)
     * @param enabled allowlisting is configured (a resource group is set)
     * @param when {@code startup} or {@code on-refusal} ({@code quarkus.kvconfig.firewall.when}); null when off
     */
    public record AllowlistingView(boolean ran, boolean enabled, String when, boolean ok, String vault, String ip,
            boolean added, boolean alreadyPresent, boolean effective, String at, String message, String error) {
    }

    // ---- methods ----

    /** Every {@code @kv:} reference seen at startup, with its status; no values. */
    public List<ReferenceStatus> getReferences() {
        return keyVault.references();
    }

    /** The card's label for the references page. */
    public String getReferenceCount() {
        return String.valueOf(keyVault.references().size());
    }

    /** The app's vault; for the dev vault also its secrets by name. */
    public DevVaultView getDevVault() {
        Optional<String> url = vaultUrl();
        Optional<DevVaultTarget> dev = devVault(url);
        if (dev.isEmpty()) {
            return new DevVaultView(true, url.orElse(null), false, null, null, null, List.of(), notTheDevVault(url));
        }
        DevVaultTarget d = dev.get();
        try {
            List<SecretView> secrets = keyVault.secrets().listPropertiesOfSecrets().map(SecretView::of).collectList()
                    .block(TIMEOUT);
            secrets = secrets == null ? List.of() : secrets.stream()
                    .sorted(Comparator.comparing(SecretView::name, String.CASE_INSENSITIVE_ORDER)).toList();
            return new DevVaultView(true, d.url(), true, d.vaultName(), d.resourceGroup(), d.subscriptionId(), secrets,
                    secrets.size() + " secret(s) in the Dev Service's dev vault");
        } catch (RuntimeException e) {
            return new DevVaultView(false, d.url(), true, d.vaultName(), d.resourceGroup(), d.subscriptionId(), List.of(),
                    "could not list the dev vault's secrets: " + describe(e));
        }
    }

    /**
     * Sets a secret in the dev vault (a new version when it exists). The value goes in and is never returned, logged
     * or put in a message.
     */
    public WriteResult setSecret(String name, String value) {
        String invalid = invalidName(name);
        if (invalid != null) {
            return WriteResult.refused(invalid);
        }
        if (value == null || value.isEmpty()) {
            return WriteResult.refused("no value given for secret '" + name + "': enter the value to store");
        }
        Optional<String> url = vaultUrl();
        if (devVault(url).isEmpty()) {
            return WriteResult.refused("refused to set secret '" + name + "': " + notTheDevVault(url));
        }
        try {
            KeyVaultSecret stored = keyVault.secrets().setSecret(name, value).block(TIMEOUT);
            SecretView view = stored == null ? null : SecretView.of(stored.getProperties());
            LOG.infof("Dev UI: set secret '%s' in the dev vault", name);
            return new WriteResult(true, "secret '" + name + "' set in the dev vault", view);
        } catch (RuntimeException e) {
            return WriteResult.refused("could not set secret '" + name + "': " + describe(e));
        }
    }

    /**
     * Deletes a secret from the dev vault and purges it, so that its name can be set again at once (Key Vault keeps a
     * deleted secret, and refuses its name, until it is purged).
     */
    public WriteResult deleteSecret(String name) {
        String invalid = invalidName(name);
        if (invalid != null) {
            return WriteResult.refused(invalid);
        }
        Optional<String> url = vaultUrl();
        if (devVault(url).isEmpty()) {
            return WriteResult.refused("refused to delete secret '" + name + "': " + notTheDevVault(url));
        }
        SecretAsyncClient secrets = keyVault.secrets();
        try {
            secrets.beginDeleteSecret(name).setPollInterval(Duration.ofMillis(100)).last().block(TIMEOUT);
            secrets.purgeDeletedSecret(name).block(TIMEOUT);
            LOG.infof("Dev UI: deleted and purged secret '%s' in the dev vault", name);
            return new WriteResult(true, "secret '" + name + "' deleted from the dev vault (and purged)", null);
        } catch (RuntimeException e) {
            ErrorClassifier.Classified c = ErrorClassifier.classify(e, credential());
            if (c.status() == 404) {
                return WriteResult.refused("the dev vault has no secret '" + name + "'");
            }
            return WriteResult.refused("could not delete secret '" + name + "': " + describe(e));
        }
    }

    /** The dev vault's firewall (network rules), read from its emulated Resource Manager. */
    public FirewallView getFirewall() {
        Optional<String> url = vaultUrl();
        Optional<DevVaultTarget> dev = devVault(url);
        if (dev.isEmpty()) {
            return FirewallView.unavailable("firewall rules are shown for the Dev Service's dev vault only: "
                    + notTheDevVault(url));
        }
        DevVaultTarget d = dev.get();
        if (d.vaultName() == null || d.resourceGroup() == null || d.subscriptionId() == null) {
            return FirewallView.unavailable("the Dev Service did not publish the dev vault's resource (vault name, "
                    + "resource group, subscription)");
        }
        try {
            VaultInner vault = vaults(d.subscriptionId()).getByResourceGroup(d.resourceGroup(), d.vaultName());
            NetworkRuleSet acls = vault.properties() == null ? null : vault.properties().networkAcls();
            String publicAccess = vault.properties() == null ? null : vault.properties().publicNetworkAccess();
            if (acls == null) {
                return new FirewallView(true, "no network rules: the vault allows traffic from any network", d.vaultName(),
                        d.resourceGroup(), "Allow", null, publicAccess, List.of(), List.of());
            }
            List<String> ipRules = acls.ipRules() == null ? List.of() : acls.ipRules().stream().map(IpRule::value).toList();
            List<String> vnetRules = acls.virtualNetworkRules() == null ? List.of()
                    : acls.virtualNetworkRules().stream().map(VirtualNetworkRule::id).toList();
            String defaultAction = acls.defaultAction() == null ? null : acls.defaultAction().toString();
            String bypass = acls.bypass() == null ? null : acls.bypass().toString();
            return new FirewallView(true, ipRules.size() + " IP rule(s), default action " + defaultAction, d.vaultName(),
                    d.resourceGroup(), defaultAction, bypass, publicAccess, ipRules, vnetRules);
        } catch (RuntimeException e) {
            return FirewallView.unavailable("could not read the dev vault's firewall: " + describe(e));
        }
    }

    /** The last allowlisting run in this process, or why there was none. */
    public AllowlistingView getAllowlisting() {
        Optional<FirewallSettings> settings = firewallSettings();
        boolean enabled = settings.map(FirewallSettings::enabled).orElse(false);
        String when = settings.filter(FirewallSettings::enabled).map(s -> s.when().configValue()).orElse(null);
        Optional<AllowlistResult> last = keyVault.lastAllowlisting();
        if (last.isEmpty()) {
            return new AllowlistingView(false, enabled, when, true, null, null, false, false, false, null,
                    enabled ? settings.flatMap(FirewallSettings::notRunYetReason).orElse("no allowlisting run in this process yet")
                            : "allowlisting is off: set " + FirewallSettings.RESOURCE_GROUP
                                    + " (or KEY_VAULT_RG) to the vault's resource group to turn it on",
                    null);
        }
        AllowlistResult r = last.get();
        return new AllowlistingView(true, enabled, when, r.ok(), r.vault(), r.ip(), r.added(), r.alreadyPresent(),
                r.effective(), r.at() == null ? null : r.at().toString(), r.message(), r.error());
    }

    // ---- helpers ----

    private Optional<String> vaultUrl() {
        try {
            return keyVault.vaultUrl();
        } catch (RuntimeException e) {
            return Optional.empty(); // invalid settings: startup reported them
        }
    }

    private static Optional<DevVaultTarget> devVault(Optional<String> appVaultUrl) {
        return DevVaultTarget.find(ConfigProvider.getConfig(), appVaultUrl);
    }

    private static String notTheDevVault(Optional<String> url) {
        return url.map(u -> "the app uses the vault " + u + ", not the Dev Service's dev vault; the Dev UI never writes"
                + " to a vault the app configured itself (use the Azure portal or az keyvault secret set/delete)")
                .orElse(KeyVault.NOT_CONFIGURED);
    }

    static String invalidName(String name) {
        if (name == null || name.isBlank()) {
            return "no secret name given: a Key Vault secret name is 1-127 characters of 0-9, a-z, A-Z and '-'";
        }
        if (!SECRET_NAME.matcher(name).matches()) {
            String shown = name.length() <= 140 ? name : name.substring(0, 140) + "...";
            return "invalid secret name '" + ErrorClassifier.oneLine(shown)
                    + "': a Key Vault secret name is 1-127 characters of 0-9, a-z, A-Z and '-'";
        }
        return null;
    }

    private String credential() {
        try {
            return keyVault.clients().credentialDescription();
        } catch (RuntimeException e) {
            return "the configured credential";
        }
    }

    /** One line from the SDK's failure: status, the vault's code and message; never a request body. */
    private String describe(RuntimeException e) {
        return ErrorClassifier.classify(e, credential()).detail();
    }

    private static Optional<FirewallSettings> firewallSettings() {
        var config = ConfigProvider.getConfig();
        try {
            return Optional.of(FirewallSettings.from(name -> config.getOptionalValue(name, String.class)));
        } catch (RuntimeException e) {
            return Optional.empty(); // invalid settings: startup reported them
        }
    }

    private VaultsClient vaults(String subscription) {
        KeyVaultClients clients = keyVault.clients();
        FirewallSettings settings = firewallSettings()
                .orElseThrow(() -> new IllegalStateException("the firewall settings are invalid (see the startup log)"));
        String armUrl = settings.effectiveResourceManagerUrl();
        CachedVaults cached = cachedVaults;
        if (cached != null && cached.clients() == clients && cached.subscription().equals(subscription)
                && cached.armUrl().equals(armUrl)) {
            return cached.vaults();
        }
        // the same credential and HTTP client as the allowlister; the dev vault's Resource Manager endpoint
        Map<String, String> endpoints = new HashMap<>(settings.cloud().environment().getEndpoints());
        endpoints.put("resourceManagerEndpointUrl", armUrl);
        AzureProfile profile = new AzureProfile(clients.settings().tenantId().orElse(null), subscription,
                new AzureEnvironment(endpoints));
        VaultsClient vaults = KeyVaultManager.configure().withHttpClient(clients.httpClient())
                .authenticate(clients.credential(), profile).serviceClient().getVaults();
        cachedVaults = new CachedVaults(clients, subscription, armUrl, vaults);
        return vaults;
    }

    private static String text(OffsetDateTime t) {
        return t == null ? null : t.toString();
    }
}
