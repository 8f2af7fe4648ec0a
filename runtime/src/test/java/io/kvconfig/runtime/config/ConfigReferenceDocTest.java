package io.kvconfig.runtime.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Renders the config reference from the model the Quarkus extension processor generates at compile time
 * ({@code target/classes/META-INF/quarkus-config-doc/*.json}) into {@code runtime/CONFIG-REFERENCE.md}, and fails
 * when the committed file is out of date (run {@code ./mvnw -pl runtime test -Dtest=ConfigReferenceDocTest
 * -Dkvconfig.update-config-doc=true} to refresh it). Quarkus's own AsciiDoc renderer plugin is not served on Maven
 * Central at 3.33.2, hence this small renderer.
 */
class ConfigReferenceDocTest {

    static final Path MODEL = Path.of("target/classes/META-INF/quarkus-config-doc/quarkus-config-model.json");
    static final Path JAVADOC = Path.of("target/classes/META-INF/quarkus-config-doc/quarkus-config-javadoc.json");
    static final Path COMMITTED = Path.of("CONFIG-REFERENCE.md");

    @Test
    void committedReferenceIsCurrent() throws IOException {
        String rendered = render(new ObjectMapper().readTree(MODEL.toFile()), new ObjectMapper().readTree(JAVADOC.toFile()));
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/CONFIG-REFERENCE.md"), rendered, StandardCharsets.UTF_8);
        if (Boolean.getBoolean("kvconfig.update-config-doc") || !Files.exists(COMMITTED)) {
            Files.writeString(COMMITTED, rendered, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(COMMITTED)).as("runtime/CONFIG-REFERENCE.md is stale; regenerate it (see class doc)")
                .isEqualTo(rendered);
        assertThat(rendered).contains("quarkus.kvconfig.url").contains("QUARKUS_KVCONFIG_URL")
                .contains("quarkus.kvconfig.devservices.secrets").doesNotContain("{@code");
    }

    static String render(JsonNode model, JsonNode javadoc) {
        StringBuilder sb = new StringBuilder();
        sb.append("# quarkus-kvconfig configuration reference\n\n")
                .append("Generated from the extension's `@ConfigMapping` roots (their Javadoc) by `ConfigReferenceDocTest`; ")
                .append("do not edit by hand.\n\n")
                .append("Every property can also be set as an environment variable (second column) or in `.env`. ")
                .append("Build-time properties (🔒) are fixed when the application is built.\n");
        for (JsonNode root : model.path("configRoots")) {
            String rootType = root.path("items").path(0).path("sourceType").asText();
            sb.append("\n## `").append(root.path("prefix").asText()).append("`\n\n");
            String rootDoc = javadoc.path("elements").path(rootType).path("description").asText("");
            if (!rootDoc.isEmpty()) {
                sb.append(text(rootDoc)).append("\n\n");
            }
            sb.append("| Property | Environment variable | Type | Default | Description |\n")
                    .append("|---|---|---|---|---|\n");
            for (JsonNode item : root.path("items")) {
                String key = item.path("sourceType").asText() + "." + item.path("sourceElementName").asText();
                String description = text(javadoc.path("elements").path(key).path("description").asText(""));
                String phase = item.path("phase").asText();
                boolean buildTime = phase.startsWith("BUILD");
                String type = item.path("typeDescription").asText();
                JsonNode enumValues = item.path("enumAcceptedValues").path("values");
                if (!enumValues.isMissingNode()) {
                    StringBuilder values = new StringBuilder();
                    enumValues.forEach(v -> values.append(values.length() == 0 ? "" : ", ").append('`')
                            .append(v.path("configValue").asText()).append('`'));
                    type = values.toString();
                } else {
                    type = "`" + type + "`" + (item.path("list").asBoolean() ? " (list)" : "");
                }
                String dflt = item.has("defaultValue") ? "`" + item.path("defaultValue").asText() + "`" : "";
                sb.append("| `").append(item.path("path").path("property").asText()).append('`')
                        .append(buildTime ? " 🔒" : "")
                        .append(" | `").append(item.path("path").path("environmentVariable").asText()).append('`')
                        .append(" | ").append(type.replace("|", "\\|"))
                        .append(" | ").append(dflt.replace("|", "\\|"))
                        .append(" | ").append(description.replace("|", "\\|").replace("\n", " "))
                        .append(" |\n");
            }
        }
        return sb.toString();
    }

    /** Javadoc to Markdown: {@code x} and {@link x} become code, paragraphs become spaces, entities decoded. */
    static String text(String javadoc) {
        return javadoc.replaceAll("\\{@(?:code|link|linkplain|literal) ([^}]*)}", "`$1`")
                .replace("<p>", " ").replace("</p>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                .replaceAll("\\s+", " ").strip();
    }
}
