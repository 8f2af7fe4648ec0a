package io.kvconfig.deployment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import io.kvconfig.deployment.testsupport.Failures;
import io.quarkus.test.QuarkusUnitTest;

/** A build-time property holding a reference fails the BUILD, naming the property; nothing is fetched. */
class BuildTimeReferenceTest {

    @RegisterExtension
    static final QuarkusUnitTest TEST = new QuarkusUnitTest()
            .withApplicationRoot(jar -> jar.addClasses(BuildTimeReferenceTest.class))
            .overrideConfigKey("quarkus.kvconfig.devservices.public-ip", "@kv:build-ip")
            .overrideConfigKey("quarkus.kvconfig.devservices.enabled", "false")
            .assertException(t -> {
                String message = Failures.find(t, "ConfigurationException").getMessage();
                assertThat(message).contains("quarkus.kvconfig.devservices.public-ip").contains("build time");
            });

    @Test
    void buildFails() {
        fail("the build must fail");
    }
}
