package io.kvconfig.runtime.firewall;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

import org.jboss.logging.Logger;

/**
 * Finds this machine's public IPv4 address by asking plain-text IP echo services in turn (first valid
 * public answer wins). Uses its own small JDK HttpClient with the same SSLContext as the Key Vault clients,
 * so a dev vault's echo endpoint is trusted the same way its vault is.
 */
public final class IpEchoClient {

    private static final Logger LOG = Logger.getLogger(IpEchoClient.class);
    private static final int MAX_BODY = 1024;

    private final List<URI> urls;
    private final Duration timeout;
    private final HttpClient http;

    public IpEchoClient(List<URI> urls, Duration timeout, SSLContext sslContext) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no IP echo URL configured");
        }
        this.urls = List.copyOf(urls);
        this.timeout = timeout;
        HttpClient.Builder b = HttpClient.newBuilder()
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NORMAL);
        if (sslContext != null) {
            b.sslContext(sslContext);
        }
        this.http = b.build();
    }

    public static IpEchoClient of(FirewallSettings settings, SSLContext sslContext) {
        return new IpEchoClient(settings.ipEchoUrls(), settings.ipEchoTimeout(), sslContext);
    }

    public List<URI> urls() {
        return urls;
    }

    /**
     * The public IPv4 address the echo services see. Throws {@link FirewallException} listing every
     * endpoint and what went wrong with it when none gave a valid public IPv4 address.
     */
    public PublicIpv4 detect() {
        List<String> problems = new ArrayList<>();
        boolean anyAnswered = false;
        for (URI url : urls) {
            try {
                String body = fetch(url);
                anyAnswered = true;
                PublicIpv4 ip = PublicIpv4.parse(body);
                LOG.debugf("IP echo %s answered %s", url, ip);
                return ip;
            } catch (InvalidAddressException e) {
                problems.add(url + ": " + e.getMessage());
            } catch (EchoHttpException e) {
                anyAnswered = true;
                problems.add(url + " answered HTTP " + e.status);
            } catch (IOException e) {
                problems.add(url + " is unreachable (" + describe(e) + ")");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new FirewallException("interrupted while asking " + url + " for this machine's public IP address");
            }
        }
        String head = anyAnswered
                ? "could not determine this machine's public IPv4 address: "
                : "could not determine this machine's public IPv4 address: no IP echo service could be reached: ";
        throw new FirewallException(head + String.join("; ", problems)
                + " (configure " + FirewallSettings.IP_ECHO_URLS + ")");
    }

    private String fetch(URI url) throws IOException, InterruptedException {
        HttpRequest req = HttpRequest.newBuilder(url).timeout(timeout).header("Accept", "text/plain").GET().build();
        HttpResponse<InputStream> resp = http.send(req, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream in = resp.body()) {
            if (resp.statusCode() != 200) {
                throw new EchoHttpException(resp.statusCode());
            }
            byte[] bytes = in.readNBytes(MAX_BODY);
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    private String describe(IOException e) {
        if (e instanceof HttpConnectTimeoutException) {
            return "connect timed out after " + timeout.toMillis() + " ms";
        }
        if (e instanceof HttpTimeoutException) {
            return "no answer within " + timeout.toMillis() + " ms";
        }
        if (e instanceof ConnectException) {
            return "connection refused";
        }
        if (e instanceof SSLException || e.getCause() instanceof SSLException) {
            return "TLS failed: " + e.getMessage();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    private static final class EchoHttpException extends IOException {
        final int status;

        EchoHttpException(int status) {
            super("HTTP " + status);
            this.status = status;
        }
    }
}
