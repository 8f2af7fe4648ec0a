package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.TestVaults;
import io.kvconfig.deployment.testsupport.Vault;
import io.quarkus.builder.Version;
import io.quarkus.maven.dependency.Dependency;
import io.quarkus.test.ProdBuildResults;
import io.quarkus.test.ProdModeTestResults;
import io.quarkus.test.QuarkusProdModeTest;

/**
 * A normal (prod) build, then the packaged app run against a vault: the reference resolves at startup (one INFO
 * line), and no file of the build output, jar entries included, contains the secret value.
 */
class PackagedOutputTest {

    static final String VALUE = "packaged-secret-value-31";
    static final Vault VAULT = TestVaults.shared("packaged", b -> b.secret("pkg-secret", VALUE));

    @RegisterExtension
    static final QuarkusProdModeTest TEST = new QuarkusProdModeTest()
            .withApplicationRoot(jar -> jar.addAsResource(new StringAsset("app.secret=@kv:pkg-secret\n"),
                    "application.properties"))
            .setApplicationName("kv-packaged")
            .setApplicationVersion("1.0")
            // the test classpath's HTTP and health extensions are part of the app: package their runtime halves
            .setForcedDependencies(List.of(
                    Dependency.of("io.quarkus", "quarkus-vertx-http", Version.getVersion()),
                    Dependency.of("io.quarkus", "quarkus-smallrye-health", Version.getVersion())))
            .setRun(true)
            .setRuntimeProperties(TestVaults.appConfig(VAULT));

    @ProdBuildResults
    ProdModeTestResults results;

    @Test
    void resolvedAtStartupNeverPackaged() throws IOException {
        String console = TEST.getStartupConsoleOutput();
        assertThat(console).contains("Key Vault: resolved 1 references to 1 secrets").doesNotContain(VALUE);
        assertThat(VAULT.count("GetSecret")).isEqualTo(1);

        List<String> hits = new ArrayList<>();
        try (Stream<Path> files = Files.walk(results.getBuildDir())) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                scan(f.toString(), Files.newInputStream(f), f.toString().endsWith(".jar"), hits);
            }
        }
        assertThat(hits).isEmpty();
    }

    private static void scan(String name, InputStream in, boolean zip, List<String> hits) throws IOException {
        try (in) {
            if (zip) {
                ZipInputStream z = new ZipInputStream(in);
                for (ZipEntry e; (e = z.getNextEntry()) != null;) {
                    byte[] bytes = z.readAllBytes();
                    if (e.getName().endsWith(".jar")) {
                        scan(name + "!" + e.getName(), new java.io.ByteArrayInputStream(bytes), true, hits);
                    } else if (new String(bytes, StandardCharsets.ISO_8859_1).contains(VALUE)) {
                        hits.add(name + "!" + e.getName());
                    }
                }
            } else if (new String(in.readAllBytes(), StandardCharsets.ISO_8859_1).contains(VALUE)) {
                hits.add(name);
            }
        }
    }
}
