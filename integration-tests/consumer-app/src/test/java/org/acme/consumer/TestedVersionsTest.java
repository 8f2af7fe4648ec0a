package org.acme.consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * This app resolves the Azure SDK versions the extension was built and tested with. The extension's jar lists the
 * runtime dependencies its own build resolved ({@code META-INF/kvconfig/tested-dependencies.txt}); each Azure artifact
 * there must be on this app's class path in exactly that version, read from the jar's own {@code pom.properties}.
 * Without the kvconfig-bom import, Maven's nearest-wins gives an app older versions (azure-core-management 1.19.2,
 * azure-security-keyvault-keys 4.10.4) and this fails.
 */
class TestedVersionsTest {

    /** {@code   group:artifact:jar[:classifier]:version:scope[ (optional)] -- module ...}, as maven-dependency-plugin lists. */
    static final Pattern ENTRY = Pattern.compile(
            "^\\s*([\\w.\\-]+):([\\w.\\-]+):jar:(?:[\\w.\\-]+:)?([\\w.\\-]+):(?:compile|runtime)(\\s+\\(optional\\))?.*$");

    @Test
    void azureVersionsAreTheTestedOnes() throws IOException {
        Map<String, String> tested = testedAzureVersions();
        for (String required : new String[] { "com.azure:azure-core", "com.azure:azure-security-keyvault-secrets",
                "com.azure:azure-identity", "com.azure:azure-core-management" }) {
            assertTrue(tested.containsKey(required), required + " missing from the tested list " + tested.keySet());
        }
        Map<String, String> resolved = new TreeMap<>();
        for (String ga : tested.keySet()) {
            resolved.put(ga, versionOnClassPath(ga));
        }
        assertEquals(tested, resolved, "Azure artifact versions: tested by the extension's build vs resolved by this app");
    }

    /** The non-optional com.azure* and com.microsoft.azure* entries of the extension's tested-dependencies list. */
    static Map<String, String> testedAzureVersions() throws IOException {
        URL list = TestedVersionsTest.class.getClassLoader().getResource("META-INF/kvconfig/tested-dependencies.txt");
        assertNotNull(list, "quarkus-kvconfig's META-INF/kvconfig/tested-dependencies.txt is not on the class path");
        Map<String, String> versions = new TreeMap<>();
        try (InputStream in = list.openStream()) {
            for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
                Matcher m = ENTRY.matcher(line);
                if (m.matches() && m.group(4) == null
                        && (m.group(1).startsWith("com.azure") || m.group(1).startsWith("com.microsoft.azure"))) {
                    versions.put(m.group(1) + ":" + m.group(2), m.group(3));
                }
            }
        }
        return versions;
    }

    /** The version in the artifact's own META-INF/maven/.../pom.properties; "absent" when it is not on the class path. */
    static String versionOnClassPath(String groupArtifact) throws IOException {
        String[] ga = groupArtifact.split(":");
        URL props = TestedVersionsTest.class.getClassLoader()
                .getResource("META-INF/maven/" + ga[0] + "/" + ga[1] + "/pom.properties");
        if (props == null) {
            return "absent";
        }
        Properties p = new Properties();
        try (InputStream in = props.openStream()) {
            p.load(in);
        }
        return p.getProperty("version");
    }
}
