package io.kvconfig.deployment;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.hamcrest.Matchers.is;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import org.jboss.shrinkwrap.api.asset.StringAsset;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.SearchContext;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

import com.fasterxml.jackson.databind.JsonNode;

import io.quarkus.devui.tests.DevUIJsonRPCTest;
import io.quarkus.test.QuarkusDevModeTest;
import io.restassured.RestAssured;

/**
 * The card as a person sees it: the machine's headless Chromium (Debian's {@code chromium} and {@code chromium-driver},
 * driven by Selenium; no downloaded browser build) opens the Dev UI of a running dev mode, follows the card's links,
 * finds the app's references, and sets a dev secret through the form; the secret is then checked through JSON-RPC and
 * inside the app. The value typed never shows on the page afterwards. Screenshots go to {@code target/}, and to
 * {@code docs/} (the README's) with {@code -Dkvconfig.update-screenshots=true}.
 * <p>
 * It needs two Debian packages, so, like the container image test, it is not part of {@code ./mvnw verify}
 * (deployment's surefire excludes it): {@code .ci/run} installs them and runs it by name
 * ({@code ./mvnw -pl deployment -am verify -Dtest=DevUiBrowserTest ...}). It never skips: a missing browser fails it,
 * naming what to install.
 */
class DevUiBrowserTest {

    /** Debian's paths; the properties exist to check the failure without uninstalling anything. */
    static final Path CHROMIUM = Path.of(System.getProperty("kvconfig.chromium", "/usr/bin/chromium"));
    static final Path CHROMEDRIVER = Path.of(System.getProperty("kvconfig.chromedriver", "/usr/bin/chromedriver"));
    static final String SEEDED_VALUE = "seeded-" + UUID.randomUUID();
    static final String TYPED_VALUE = "typed-in-browser-" + UUID.randomUUID();
    static final String STATE_FILE = "target/devui-browser-" + UUID.randomUUID() + "/state.json";
    static final int PORT = DevModeReloadTest.freePort();
    static final Duration WAIT = Duration.ofSeconds(60);

    static final String PROPS = """
            quarkus.http.port=%d
            quarkus.kvconfig.devservices.state-file=%s
            quarkus.kvconfig.devservices.secrets.github-token=%s
            quarkus.kvconfig.devservices.secrets.db-password=%s
            app.github-token=@kv:github-token
            app.db.password=@kv:db-password
            app.optional=@kv?:not-in-the-vault
            """.formatted(PORT, STATE_FILE, SEEDED_VALUE, SEEDED_VALUE);

    /** Finds the first element matching a selector in the document or any shadow root below it. */
    static final String DEEP_FIND = """
            const deepFind = (root, selector) => {
                const hit = root.querySelector(selector);
                if (hit) return hit;
                for (const el of root.querySelectorAll('*')) {
                    if (el.shadowRoot) {
                        const found = deepFind(el.shadowRoot, selector);
                        if (found) return found;
                    }
                }
                return null;
            };
            """;
    /** All text on the page, shadow roots included (what a person could read, plus hidden parts). */
    static final String DEEP_TEXT = """
            const deepText = (root) => {
                let text = '';
                for (const el of root.querySelectorAll('*')) {
                    if (el.shadowRoot) text += ' ' + deepText(el.shadowRoot);
                }
                return text + ' ' + (root.textContent || '') + ' ' + Array.from(root.querySelectorAll('input'))
                        .map(i => i.value).join(' ');
            };
            return deepText(document);
            """;

    @RegisterExtension
    static final QuarkusDevModeTest TEST = new QuarkusDevModeTest()
            .withApplicationRoot(jar -> jar.addClasses(DevUiTestRoutes.class)
                    .addAsResource(new StringAsset(PROPS), "application.properties"))
            .setLogRecordPredicate(r -> true);

    static boolean browserMissing() {
        return !Files.isExecutable(CHROMIUM) || !Files.isExecutable(CHROMEDRIVER);
    }

    static String missing() {
        return "the browser is not installed: " + CHROMIUM + " and " + CHROMEDRIVER
                + " are needed (apt-get install -y chromium chromium-driver; .ci/run installs them)";
    }

    static Path userDataDir;
    static WebDriver driver;

    @BeforeAll
    static void browser() throws IOException {
        RestAssured.port = PORT;
        if (browserMissing()) {
            fail(missing());
        }
        userDataDir = Files.createTempDirectory("kvconfig-devui-chromium");
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + userDataDir, "--window-size=1400,1000");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort().build();
        driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1400, 1000));
    }

    @AfterAll
    static void closeBrowser() throws IOException {
        RestAssured.reset();
        if (driver != null) {
            driver.quit();
        }
        if (userDataDir != null) {
            try (Stream<Path> files = Files.walk(userDataDir)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void findReferencesAndSetASecretThroughTheCard() throws Exception {
        // the card on the extensions page, as a person finds it: follow its "References" link
        openFromCard("References");
        WebElement references = waitForComponent("qwc-kvconfig-references");
        SearchContext refs = references.getShadowRoot();
        wait(d -> !refs.findElements(By.cssSelector("tr[data-property]")).isEmpty());
        List<String> properties = refs.findElements(By.cssSelector("tr[data-property]")).stream()
                .map(r -> r.getDomAttribute("data-property")).toList();
        assertThat(properties).contains("app.github-token", "app.db.password", "app.optional");
        WebElement github = refs.findElement(By.cssSelector("tr[data-property='app.github-token']"));
        assertThat(github.getText()).contains("@kv:github-token").contains("RESOLVED");
        assertThat(refs.findElement(By.cssSelector("tr[data-property='app.optional']")).getText())
                .contains("OPTIONAL_MISSING");
        assertThat(pageText()).doesNotContain(SEEDED_VALUE);
        screenshot("dev-ui-references.png");

        // the dev vault page: set a secret through the form
        openFromCard("Dev vault");
        WebElement devVault = waitForComponent("qwc-kvconfig-dev-vault");
        SearchContext vault = devVault.getShadowRoot();
        wait(d -> !vault.findElements(By.cssSelector("tr[data-secret='github-token']")).isEmpty());
        assertThat(vault.findElement(By.id("vault-url")).getText()).startsWith("https://localhost:");
        assertThat(vault.findElements(By.cssSelector("tr[data-secret='browser-set']"))).isEmpty();

        vault.findElement(By.cssSelector("#secret-name input")).sendKeys("browser-set");
        vault.findElement(By.cssSelector("#secret-value input")).sendKeys(TYPED_VALUE);
        vault.findElement(By.id("set-secret")).click();
        wait(d -> !vault.findElements(By.cssSelector("tr[data-secret='browser-set']")).isEmpty());
        assertThat(vault.findElement(By.id("message")).getText()).isEqualTo("secret 'browser-set' set in the dev vault");
        // the value went in and is nowhere on the page now (the form is cleared, answers carry no value)
        wait(d -> vault.findElement(By.cssSelector("#secret-value input")).getDomProperty("value").isEmpty());
        assertThat(pageText()).doesNotContain(TYPED_VALUE).doesNotContain(SEEDED_VALUE);
        screenshot("dev-ui-card.png");

        // what the page showed is what the dev vault holds: listed through JSON-RPC, the value checked in the app
        DevUIJsonRPCTest rpc = new DevUIJsonRPCTest("quarkus-kvconfig", "http://localhost:" + PORT);
        JsonNode secret = DevUiJsonRpcTest.byField(rpc.executeJsonRPCMethod("getDevVault").get("secrets"), "name",
                "browser-set");
        assertThat(secret.get("enabled").asBoolean()).isTrue();
        given().body(TYPED_VALUE).post("/devui-test/compare/browser-set").then().statusCode(200).body(is("same"));

        // the firewall page: the dev vault's rules and the startup allowlisting run (dev mode allowlists by default)
        openFromCard("Firewall");
        SearchContext firewall = waitForComponent("qwc-kvconfig-firewall").getShadowRoot();
        wait(d -> !firewall.findElements(By.cssSelector("table#firewall")).isEmpty()
                && !firewall.findElements(By.cssSelector("#allowlisting")).isEmpty());
        assertThat(firewall.findElement(By.cssSelector("table#firewall")).getText()).contains("203.0.113.10");
        assertThat(firewall.findElement(By.id("allowlisting")).getText()).contains("203.0.113.10").contains("ok");
        screenshot("dev-ui-firewall.png");

        // the value typed in the browser reached no log line of the app (nor did the seeded one)
        assertThat(TEST.getLogRecords().stream().map(DevUiJsonRpcTest::line).toList()).isNotEmpty()
                .noneMatch(l -> l.contains(TYPED_VALUE) || l.contains(SEEDED_VALUE));
    }

    /** Opens the Dev UI's extensions page and clicks the kvconfig card's link with this title. */
    void openFromCard(String title) {
        driver.get("http://localhost:" + PORT + "/q/dev-ui/extensions");
        // the card's links are qwc-extension-link elements (one per page), each with its anchor in its shadow root;
        // found and clicked in one script: the extensions page re-renders while its labels load
        wait(d -> (Boolean) ((JavascriptExecutor) d).executeScript("""
                const links = [];
                const walk = (root) => {
                    for (const el of root.querySelectorAll('*')) {
                        if (el.tagName === 'QWC-EXTENSION-LINK') links.push(el);
                        if (el.shadowRoot) walk(el.shadowRoot);
                    }
                };
                walk(document);
                for (const l of links) {
                    if ((l.getAttribute('namespace') || '').includes('kvconfig') && l.getAttribute('displayName') === arguments[0]) {
                        const a = l.shadowRoot && l.shadowRoot.querySelector('a.extensionLink[href]');
                        if (a) {
                            a.click();
                            return true;
                        }
                    }
                }
                return false;
                """, title));
    }

    WebElement waitForComponent(String tag) {
        return wait(d -> (WebElement) ((JavascriptExecutor) d).executeScript(DEEP_FIND
                + "const c = deepFind(document, arguments[0]); return c && c.shadowRoot ? c : null;", tag));
    }

    String pageText() {
        return (String) ((JavascriptExecutor) driver).executeScript(DEEP_TEXT);
    }

    /** Polls until the condition gives a value other than null or false (the page renders asynchronously). */
    static <T> T wait(java.util.function.Function<WebDriver, T> condition) {
        long deadline = System.nanoTime() + WAIT.toNanos();
        RuntimeException last = null;
        while (System.nanoTime() < deadline) {
            try {
                T value = condition.apply(driver);
                if (value != null && !Boolean.FALSE.equals(value)) {
                    return value;
                }
            } catch (org.openqa.selenium.WebDriverException e) {
                last = e; // e.g. an element re-rendered between finding and reading it
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("the page did not get there within " + WAIT.toSeconds() + " s (" + driver.getCurrentUrl()
                + ")", last);
    }

    /**
     * Takes a screenshot after closing the Dev UI's own notifications: offline, its extension catalogue (which asks
     * registry.quarkus.io) reports an error that has nothing to do with this card.
     */
    static void screenshot(String name) throws IOException, InterruptedException {
        ((JavascriptExecutor) driver).executeScript(
                "document.querySelectorAll('vaadin-notification').forEach(n => n.opened = false);");
        Thread.sleep(500);
        Path shot = ((org.openqa.selenium.TakesScreenshot) driver).getScreenshotAs(OutputType.FILE).toPath();
        Path target = Path.of("target", name);
        Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("kvconfig.update-screenshots")) {
            Path docs = Path.of("..", "docs");
            Files.createDirectories(docs);
            Files.copy(shot, docs.resolve(name), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
