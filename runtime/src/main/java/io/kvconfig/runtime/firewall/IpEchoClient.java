package io.kvconfig.runtime.firewall;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.net.ssl.SSLException;

import com.azure.core.http.HttpClient;
import com.azure.core.http.HttpMethod;
import com.azure.core.http.HttpRequest;

import org.jboss.logging.Logger;

/**
 * Finds this machine's public IPv4 address by asking plain-text IP echo services in turn (first valid
 * public answer wins). Uses the Key Vault clients' HTTP client (Vert.x underneath), so the echo
 * endpoint is trusted exactly like the vault (JDK CAs + the configured trust store, e.g. the dev vault's CA).
 */
public final class IpEchoClient {

    private static final Logger LOG = Logger.getLogger(IpEchoClient.class);
    private static final int MAX_BODY = 1024;

    private final List<URI> urls;
    private final Duration timeout;
    private final HttpClient http;

    public IpEchoClient(List<URI> urls, Duration timeout, HttpClient http) {
        if (urls.isEmpty()) {
            throw new IllegalArgumentException("no IP echo URL configured");
        }
        urls.forEach(FirewallSettings::checkEchoUrl); // whoever builds the client: never trust a plain-http answer
        this.urls = List.copyOf(urls);
        this.timeout = timeout;
        this.http = http;
    }

    public static IpEchoClient of(FirewallSettings settings, HttpClient http) {
        return new IpEchoClient(settings.ipEchoUrls(), settings.ipEchoTimeout(), http);
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
        HttpRequest req = new HttpRequest(HttpMethod.GET, url.toString()).setHeader("Accept", "text/plain");
        CompletableFuture<byte[]> answer = http.send(req)
                .flatMap(resp -> {
                    if (resp.getStatusCode() != 200) {
                        int status = resp.getStatusCode();
                        resp.close();
                        return reactor.core.publisher.Mono.error(new EchoHttpException(status));
                    }
                    return resp.getBodyAsByteArray().defaultIfEmpty(new byte[0]);
                })
                .toFuture();
        try {
            byte[] bytes = answer.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            int n = Math.min(bytes.length, MAX_BODY);
            return new String(bytes, 0, n, StandardCharsets.UTF_8);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new EchoTimeoutException();
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            while ((c instanceof UncheckedIOException || c instanceof ExecutionException
                    || (c != null && c.getClass() == RuntimeException.class)) && c.getCause() != null) {
                c = c.getCause();
            }
            if (c instanceof IOException io) {
                throw io;
            }
            throw new IOException(c == null ? "request failed" : c.toString(), c);
        }
    }

    private String describe(IOException e) {
        if (e instanceof io.netty.channel.ConnectTimeoutException) {
            return "connect timed out after " + timeout.toMillis() + " ms";
        }
        if (e instanceof EchoTimeoutException) {
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

    private static final class EchoTimeoutException extends IOException {
        EchoTimeoutException() {
            super("timeout");
        }
    }

    private static final class EchoHttpException extends IOException {
        final int status;

        EchoHttpException(int status) {
            super("HTTP " + status);
            this.status = status;
        }
    }
}
