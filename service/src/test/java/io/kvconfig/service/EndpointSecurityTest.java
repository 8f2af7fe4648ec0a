package io.kvconfig.service;

import io.kvconfig.service.api.AdminApi;
import io.kvconfig.service.events.EventsApi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import jakarta.annotation.security.DenyAll;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.HttpMethod;

import org.jboss.jandex.AnnotationInstance;
import org.jboss.jandex.AnnotationTarget;
import org.jboss.jandex.ClassInfo;
import org.jboss.jandex.DotName;
import org.jboss.jandex.Index;
import org.jboss.jandex.IndexView;
import org.jboss.jandex.Indexer;
import org.jboss.jandex.MethodInfo;
import org.junit.jupiter.api.Test;

import io.quarkus.security.Authenticated;

/**
 * Every JAX-RS endpoint of the service (every resource method and sub-resource locator in its compiled classes) is
 * either {@code @RolesAllowed("admin")} or one of the endpoints open by design, listed here. A new endpoint without
 * an annotation fails this test before it ships (at runtime deny-unannotated-endpoints refuses it to everyone, see
 * {@link AuthTest}).
 */
class EndpointSecurityTest {

    /** Open by design (besides the non-JAX-RS /q/health/*, /q/openapi and /q/swagger-ui). */
    static final Set<String> OPEN = Set.of("io.kvconfig.service.HealthResource#health");

    /** The Key Vault events webhook: its own role (the Event Grid subscription's shared secret), never admin's. */
    static final Set<String> EVENTS = Set.of("io.kvconfig.service.events.KeyVaultEventsResource#receive",
            "io.kvconfig.service.events.KeyVaultEventsResource#handshake");

    static final DotName PATH = DotName.createSimple(jakarta.ws.rs.Path.class);
    static final DotName HTTP_METHOD = DotName.createSimple(HttpMethod.class);
    static final List<DotName> SECURITY = List.of(DotName.createSimple(RolesAllowed.class),
            DotName.createSimple(PermitAll.class), DotName.createSimple(DenyAll.class),
            DotName.createSimple(Authenticated.class));

    @Test
    void everyEndpointIsAdminOnlyOrOpenByDesign() throws Exception {
        IndexView index = serviceClasses();
        List<String> endpoints = endpoints(index);
        assertThat(endpoints).as("the scan finds the service's endpoints").contains(
                "io.kvconfig.service.SettingsResource#list", "io.kvconfig.service.SettingsResource#save",
                "io.kvconfig.service.KeyVaultResource#status", "io.kvconfig.service.HealthResource#health",
                "io.kvconfig.service.firewall.FirewallResource#status",
                "io.kvconfig.service.firewall.FirewallResource#allowlist", "io.kvconfig.service.KeyVaultResource#refresh",
                "io.kvconfig.service.events.KeyVaultEventsResource#receive",
                "io.kvconfig.service.events.KeyVaultEventsResource#handshake");
        assertThat(violations(index, OPEN)).isEmpty();
    }

    @Test
    void theScanFlagsAnUnannotatedEndpointAndAnUnlistedOpenOne() throws IOException {
        Index index = Index.of(UnannotatedTestResource.class, HealthResource.class, SettingsResource.class);
        assertThat(violations(index, OPEN)).containsExactly(
                "io.kvconfig.service.UnannotatedTestResource#get: no security annotation");
        assertThat(violations(index, Set.of())).containsExactlyInAnyOrder(
                "io.kvconfig.service.UnannotatedTestResource#get: no security annotation",
                "io.kvconfig.service.HealthResource#health: @PermitAll but not open by design");
    }

    /** Endpoints as "class#method": methods with an HTTP method annotation or a {@code @Path} (locators). */
    static List<String> endpoints(IndexView index) {
        List<MethodInfo> methods = endpointMethods(index);
        List<String> names = new ArrayList<>();
        methods.forEach(m -> names.add(name(m)));
        return names;
    }

    static List<String> violations(IndexView index, Set<String> open) {
        List<String> problems = new ArrayList<>();
        for (MethodInfo method : endpointMethods(index)) {
            AnnotationInstance security = effectiveSecurity(method);
            String name = name(method);
            if (security == null) {
                problems.add(name + ": no security annotation");
            } else if (security.name().equals(SECURITY.get(0))) {
                List<String> roles = List.of(security.value().asStringArray());
                boolean events = EVENTS.contains(name) && roles.equals(List.of(EventsApi.ROLE));
                if (!roles.equals(List.of(AdminApi.ROLE)) && !events) {
                    problems.add(name + ": @RolesAllowed" + roles + " instead of [admin]");
                }
            } else if (security.name().equals(SECURITY.get(1))) {
                if (!open.contains(name)) {
                    problems.add(name + ": @PermitAll but not open by design");
                }
            } else {
                problems.add(name + ": @" + security.name().withoutPackagePrefix() + " (use @RolesAllowed(\"admin\"))");
            }
        }
        return problems;
    }

    private static List<MethodInfo> endpointMethods(IndexView index) {
        Set<DotName> verbs = new TreeSet<>();
        for (String verb : List.of("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")) {
            verbs.add(DotName.createSimple("jakarta.ws.rs." + verb));
        }
        // custom HTTP method annotations declared in the service itself
        index.getAnnotations(HTTP_METHOD).stream().filter(a -> a.target().kind() == AnnotationTarget.Kind.CLASS)
                .forEach(a -> verbs.add(a.target().asClass().name()));
        Set<MethodInfo> methods = new java.util.LinkedHashSet<>();
        for (DotName verb : verbs) {
            index.getAnnotations(verb).stream().filter(a -> a.target().kind() == AnnotationTarget.Kind.METHOD)
                    .forEach(a -> methods.add(a.target().asMethod()));
        }
        index.getAnnotations(PATH).stream().filter(a -> a.target().kind() == AnnotationTarget.Kind.METHOD)
                .forEach(a -> methods.add(a.target().asMethod()));
        List<MethodInfo> sorted = new ArrayList<>(methods);
        sorted.sort((a, b) -> name(a).compareTo(name(b)));
        return sorted;
    }

    /** The method's own security annotation, else its class's (what Quarkus Security applies). */
    private static AnnotationInstance effectiveSecurity(MethodInfo method) {
        for (DotName name : SECURITY) {
            AnnotationInstance a = method.declaredAnnotation(name);
            if (a != null) {
                return a;
            }
        }
        ClassInfo type = method.declaringClass();
        for (DotName name : SECURITY) {
            AnnotationInstance a = type.declaredAnnotation(name);
            if (a != null) {
                return a;
            }
        }
        return null;
    }

    private static String name(MethodInfo method) {
        return method.declaringClass().name() + "#" + method.name();
    }

    /** The service's compiled main classes (not the tests'). */
    private static IndexView serviceClasses() throws URISyntaxException, IOException {
        Path classes = Path.of(SettingsResource.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        assertThat(classes.resolve("io/kvconfig/service/SettingsResource.class")).exists();
        Indexer indexer = new Indexer();
        try (Stream<Path> files = Files.walk(classes)) {
            files.filter(p -> p.toString().endsWith(".class")).forEach(p -> {
                try (InputStream in = Files.newInputStream(p)) {
                    indexer.index(in);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return indexer.complete();
    }
}
