package io.kvconfig.runtime.vault;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

import com.azure.identity.CredentialUnavailableException;

/** How a credential's failure is quoted in the startup error: every credential of a chain named, no SDK links. */
class CredentialTextTest {

    /** azure-identity 1.18.4's DefaultAzureCredential message when nothing works (as CredentialsTest sees it). */
    static final String CHAIN = "EnvironmentCredential authentication unavailable. Environment variables are not fully"
            + " configured.To mitigate this issue, please refer to the troubleshooting guidelines here at"
            + " https://aka.ms/azsdk/java/identity/environmentcredential/troubleshoot\r\n"
            + "WorkloadIdentityCredential authentication unavailable. The workload options are not fully configured. See"
            + " the troubleshooting guide for more information. https://aka.ms/azsdk/java/identity/workloadidentitycredential/troubleshoot\r\n"
            + "ManagedIdentityCredential authentication unavailable. Connection to IMDS endpoint cannot be established,"
            + " Connection refused.\r\n"
            + "IntelliJ authentication not available. Please login with the Azure Toolkit for IntelliJ. You may also need"
            + " to upgrade to a newer version of the Azure Toolkit for IntelliJ. This authentication is supported on"
            + " version 3.53 and higher. Please see https://aka.ms/azsdk/java/identity/intellijcredential/troubleshoot"
            + " for more information.\r\n"
            + "Visual Studio Code Authentication is not available. Ensure you have azure-identity-broker dependency added"
            + " to your application. Then ensure, you have signed into Azure via VS Code and have Azure Resources Extension"
            + " installed in VS Code. For more details, refer to https://aka.ms/azsdk/java/identity/vscodecredential/troubleshoot\r\n"
            + "AzureCliCredential authentication unavailable. Please run 'az login' to set up account. To further mitigate"
            + " this issue, please refer to the troubleshooting guidelines here at"
            + " https://aka.ms/azsdk/java/identity/azclicredential/troubleshoot\r\n"
            + "Encountered error when deserializing response from Azure Power Shell.\r\n"
            + "AzureDeveloperCliCredential authentication unavailable. Azure Developer CLI not installed.To mitigate this"
            + " issue, please refer to the troubleshooting guidelines here at"
            + " https://aka.ms/azsdk/java/identity/azdevclicredential/troubleshoot\r\n"
            + "azure-identity-broker dependency is not available. Ensure you have azure-identity-broker dependency added"
            + " to your application. To mitigate this issue, refer to"
            + " http://aka.ms/azsdk/java/identity/dacbrokerauth/troubleshootTo mitigate this issue, please refer to the"
            + " troubleshooting guidelines here at https://aka.ms/azure-identity-java-default-azure-credential-troubleshoot";

    @Test
    void aChainsMessageKeepsEveryCredentialOnOneLineWithoutTheLinks() {
        String text = ErrorClassifier.credentialText(CHAIN);

        assertThat(text).doesNotContain("\n").doesNotContain("\r").doesNotContain("aka.ms").doesNotContain("mitigate")
                .containsSubsequence("EnvironmentCredential authentication unavailable. Environment variables are not"
                        + " fully configured.", " | WorkloadIdentityCredential", " | ManagedIdentityCredential"
                        + " authentication unavailable. Connection to IMDS endpoint cannot be established, Connection"
                        + " refused.", " | IntelliJ", " | Visual Studio Code", " | AzureCliCredential authentication"
                        + " unavailable. Please run 'az login' to set up account.", " | Encountered error when"
                        + " deserializing response from Azure Power Shell.", " | AzureDeveloperCliCredential",
                        " | azure-identity-broker dependency is not available.");
        // far longer than one 400-character quote, which kept only the first three credentials
        assertThat(CHAIN.length()).isGreaterThan(1500);
        assertThat(text.length()).isLessThan(CHAIN.length());
    }

    @Test
    void theStartupErrorOfAChainNamesEveryCredential() {
        ErrorClassifier.Classified c = ErrorClassifier.classify(new CredentialUnavailableException(CHAIN),
                "DefaultAzureCredential (chain: ...)");

        assertThat(c.kind()).isEqualTo(FailureKind.AUTHENTICATION_FAILED);
        assertThat(c.detail()).startsWith("could not get a token with DefaultAzureCredential (chain: ...): ")
                .contains("AzureCliCredential", "AzureDeveloperCliCredential", "azure-identity-broker");
    }

    @Test
    void aOneLineMessageIsQuotedAsBeforeAndALongLineIsCut() {
        assertThat(ErrorClassifier.credentialText("AADSTS700213: No matching federated identity record found."))
                .isEqualTo("AADSTS700213: No matching federated identity record found.");
        assertThat(ErrorClassifier.credentialText("x".repeat(1000))).hasSize(403).endsWith("...");
        assertThat(ErrorClassifier.credentialText("first line\n" + "y".repeat(500))).isEqualTo("first line | "
                + "y".repeat(200) + "...");
        assertThat(ErrorClassifier.credentialText(null)).isEmpty();
    }
}
