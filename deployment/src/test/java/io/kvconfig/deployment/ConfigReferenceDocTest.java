package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Renders the config reference from the models the Quarkus extension processor generates at compile time
 * ({@code target/classes/META-INF/quarkus-config-doc/*.json}) in the runtime module (runtime roots) and this module
 * (build-time and Dev Services roots) into {@code runtime/CONFIG-REFERENCE.md}, and fails when the committed file is
 * out of date (run {@code ./mvnw -pl deployment -am verify -Dtest=ConfigReferenceDocTest
 * -Dsurefire.failIfNoSpecifiedTests=false -Dkvconfig.update-config-doc=true} to refresh it). Quarkus's own AsciiDoc
 * renderer plugin is not served on Maven Central at 3.33.2, hence this small renderer.
 */
class ConfigReferenceDocTest {

    static final List<Path> MODULES = List.of(Path.of("../runtime"), Path.of("."));
    static final String DOC = "target/classes/META-INF/quarkus-config-doc/";
    static final Path COMMITTED = Path.of("../runtime/CONFIG-REFERENCE.md");

    @Test
    void committedReferenceIsCurrent() throws IOException {
        StringBuilder out = new StringBuilder(HEADER);
        for (Path module : MODULES) {
            out.append(render(new ObjectMapper().readTree(module.resolve(DOC + "quarkus-config-model.json").toFile()),
                    new ObjectMapper().readTree(module.resolve(DOC + "quarkus-config-javadoc.json").toFile()),
                    module.resolve("src/main/java")));
        }
        String rendered = out.toString();
        Files.createDirectories(Path.of("target"));
        Files.writeString(Path.of("target/CONFIG-REFERENCE.md"), rendered, StandardCharsets.UTF_8);
        if (Boolean.getBoolean("kvconfig.update-config-doc") || !Files.exists(COMMITTED)) {
            Files.writeString(COMMITTED, rendered, StandardCharsets.UTF_8);
        }
        assertThat(Files.readString(COMMITTED)).as("runtime/CONFIG-REFERENCE.md is stale; regenerate it (see class doc)")
                .isEqualTo(rendered);
        assertThat(rendered).contains("quarkus.kvconfig.url").contains("QUARKUS_KVCONFIG_URL")
                .contains("quarkus.kvconfig.devservices.secrets").doesNotContain("{@code")
                // the whole intro of each root (the processor keeps only its first line), braces inside code intact
                .contains("when the application starts.").contains("with no Azure account and no Docker.")
                .contains("`quarkus.kvconfig.firewall.resource-group=${kvconfig.dev-vault.resource-group}`");
    }

    static final String HEADER = "# quarkus-kvconfig configuration reference\n\n"
            + "Generated from the extension's `@ConfigMapping` roots (their Javadoc) by `ConfigReferenceDocTest`; "
            + "do not edit by hand.\n\n"
            + "Every property can also be set as an environment variable (second column) or in `.env`. "
            + "Build-time properties (🔒) are fixed when the application is built.\n";

    static String render(JsonNode model, JsonNode javadoc, Path sources) throws IOException {
        StringBuilder sb = new StringBuilder();
        for (JsonNode root : model.path("configRoots")) {
            String rootType = root.path("items").path(0).path("sourceType").asText();
            sb.append("\n## `").append(root.path("prefix").asText()).append("`\n\n");
            String rootDoc = classJavadoc(sources.resolve(rootType.replace('.', '/') + ".java"));
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

    /** The whole Javadoc of the root interface, read from its source (the processor's model keeps its first line). */
    static String classJavadoc(Path source) throws IOException {
        Matcher m = Pattern.compile("/\\*\\*(.*?)\\*/\\s*@ConfigMapping", Pattern.DOTALL).matcher(Files.readString(source));
        return m.find() ? m.group(1).replaceAll("(?m)^\\s*\\* ?", " ").strip() : "";
    }

    /**
     * Javadoc to Markdown: {@code x} and {@link x} become code (balanced braces inside, e.g. {@code ${a.b}}, kept),
     * paragraphs become spaces, entities decoded.
     */
    static String text(String javadoc) {
        StringBuilder sb = new StringBuilder();
        Matcher tag = Pattern.compile("\\{@(?:code|link|linkplain|literal) ").matcher(javadoc);
        int at = 0;
        while (tag.find(at)) {
            sb.append(javadoc, at, tag.start());
            int depth = 1;
            int i = tag.end();
            for (; i < javadoc.length() && depth > 0; i++) {
                char c = javadoc.charAt(i);
                depth += c == '{' ? 1 : c == '}' ? -1 : 0;
            }
            sb.append('`').append(javadoc, tag.end(), i - 1).append('`');
            at = i;
        }
        sb.append(javadoc.substring(at));
        return sb.toString()
                .replace("<p>", " ").replace("</p>", "")
                .replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
                .replaceAll("\\s+", " ").strip();
    }
}
