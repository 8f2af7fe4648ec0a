package io.kvconfig.deployment;

import io.kvconfig.runtime.devui.KvConfigJsonRpcService;
import io.quarkus.deployment.IsLocalDevelopment;
import io.quarkus.deployment.annotations.BuildStep;
import io.quarkus.devui.spi.JsonRPCProvidersBuildItem;
import io.quarkus.devui.spi.page.CardPageBuildItem;
import io.quarkus.devui.spi.page.Page;

/**
 * The extension's Dev UI card: the app's {@code @kv:} references, the Dev Service's dev vault (its secrets by name,
 * set and delete, its firewall) and the last allowlisting run, served by {@link KvConfigJsonRpcService}.
 * <p>
 * Local dev mode only, as Quarkus's own Dev UI steps ({@code IsLocalDevelopment}): there is no Dev UI elsewhere.
 */
class KvConfigDevUIProcessor {

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    CardPageBuildItem card() {
        CardPageBuildItem card = new CardPageBuildItem();
        card.addPage(Page.webComponentPageBuilder()
                .title("References")
                .icon("font-awesome-solid:key")
                .componentLink("qwc-kvconfig-references.js")
                .dynamicLabelJsonRPCMethodName("getReferenceCount"));
        card.addPage(Page.webComponentPageBuilder()
                .title("Dev vault")
                .icon("font-awesome-solid:vault")
                .componentLink("qwc-kvconfig-dev-vault.js"));
        card.addPage(Page.webComponentPageBuilder()
                .title("Firewall")
                .icon("font-awesome-solid:shield-halved")
                .componentLink("qwc-kvconfig-firewall.js"));
        return card;
    }

    @BuildStep(onlyIf = IsLocalDevelopment.class)
    JsonRPCProvidersBuildItem jsonRpcService() {
        return new JsonRPCProvidersBuildItem(KvConfigJsonRpcService.class);
    }
}
