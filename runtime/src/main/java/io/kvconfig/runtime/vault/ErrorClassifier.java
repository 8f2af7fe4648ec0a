package io.kvconfig.runtime.vault;

import java.io.IOException;
import java.net.ConnectException;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLPeerUnverifiedException;

import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpResponse;

import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;

/**
 * The one failure vocabulary of Key Vault calls: maps an SDK failure to a {@link FailureKind}, whether to retry, a
 * firewall refusal with the client address the vault saw, Retry-After, and actionable text. The resolver, the
 * readiness probe, the firewall's propagation probe and the admin service all read failures through it. Only the service's error
 * code, inner code and message are quoted (Key Vault error bodies hold no secret material); other exception
 * messages are quoted only for I/O and credential failures, whose texts are about connections and credentials.
 */
public final class ErrorClassifier {

    /**
     * A classified failure. retryAfter is set for 429 with a Retry-After header; status is the HTTP status (0 without
     * a response); vaultCode is the vault's inner error code (e.g. ForbiddenByFirewall) when it sent one;
     * clientAddress is the address a firewall refusal names, when reported.
     */
    public record Classified(FailureKind kind, boolean retryable, Duration retryAfter, String detail, int status,
            String vaultCode, String clientAddress) {

        Classified(FailureKind kind, boolean retryable, Duration retryAfter, String detail, int status) {
            this(kind, retryable, retryAfter, detail, status, null, null);
        }

        /** The vault firewall (or disabled public access) refused the request. */
        public boolean firewall() {
            return kind == FailureKind.FIREWALL_BLOCKED;
        }
    }

    private static final Pattern CLIENT_ADDRESS = Pattern.compile("Client address:?\\s*([0-9A-Fa-f:.]+[0-9A-Fa-f])");
    private static final int MAX_QUOTE = 400;

    private ErrorClassifier() {
    }

    /** Is this failure (or its cause) the vault firewall, or disabled public network access, refusing the call? */
    public static boolean isFirewallRefusal(Throwable error) {
        return firewallRefusal(error) != null;
    }

    /**
     * The firewall refusal in this failure's cause chain (the first vault answer in it decides), with the inner code
     * and the client address the vault saw; null when the failure is not a firewall refusal.
     */
    public static Classified firewallRefusal(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof HttpResponseException h && h.getResponse() != null) {
                Classified c = classifyResponse(h, "");
                return c.firewall() ? c : null;
            }
        }
        return null;
    }

    public static Classified classify(Throwable error, String credentialDescription) {
        Throwable e = unwrap(error);
        if (e instanceof ClientAuthenticationException cae && !fromVault(cae)) {
            return new Classified(FailureKind.AUTHENTICATION_FAILED, false, null,
                    "could not get a token with " + credentialDescription + ": " + credentialText(cae.getMessage()), 0);
        }
        // Entra ID's refusal as MSAL raises it (e.g. a workload identity's federated token refused): azure-identity
        // passes MsalServiceException through unwrapped
        if (e.getClass().getName().startsWith("com.microsoft.aad.msal4j.")) {
            return new Classified(FailureKind.AUTHENTICATION_FAILED, false, null,
                    "could not get a token with " + credentialDescription + ": " + credentialText(e.getMessage()), 0);
        }
        if (e instanceof HttpResponseException hre && hre.getResponse() != null) {
            return classifyResponse(hre, credentialDescription);
        }
        if (e instanceof ClientAuthenticationException cae) {
            return new Classified(FailureKind.AUTHENTICATION_FAILED, false, null,
                    "could not get a token with " + credentialDescription + ": " + credentialText(cae.getMessage()), 0);
        }
        if (isCredentialUnavailable(e)) {
            return new Classified(FailureKind.AUTHENTICATION_FAILED, false, null,
                    "no credential available in " + credentialDescription + ": " + credentialText(e.getMessage()), 0);
        }
        Classified challenge = challengeRefused(e);
        if (challenge != null) {
            return challenge;
        }
        if (e instanceof TimeoutException) {
            return new Classified(FailureKind.TIMED_OUT, true, null, "no response in time", 0);
        }
        Classified tls = tlsUntrusted(e);
        if (tls != null) {
            return tls;
        }
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof UnknownHostException) {
                return new Classified(FailureKind.UNREACHABLE, true, null,
                        "cannot resolve the vault host (" + cut(oneLine(c.getMessage())) + "); check the vault URL and DNS",
                        0);
            }
            // refused, and connect timeouts (Netty's ConnectTimeoutException is a ConnectException)
            if (c instanceof ConnectException) {
                return new Classified(FailureKind.UNREACHABLE, true, null,
                        "cannot connect (" + c.getClass().getSimpleName() + ": " + cut(oneLine(c.getMessage()))
                                + "); check the vault URL, network and proxy", 0);
            }
            if (c instanceof SSLException || c instanceof IOException || c instanceof HttpClosedException
                    || c instanceof StreamResetException || c instanceof io.netty.handler.codec.http2.Http2Exception) {
                return new Classified(FailureKind.UNREACHABLE, true, null,
                        "connection failed (" + c.getClass().getSimpleName() + ": " + cut(oneLine(c.getMessage())) + ")",
                        0);
            }
        }
        // unknown: quote the type only, its message could echo response content
        return new Classified(FailureKind.UNEXPECTED, false, null, "unexpected " + e.getClass().getName(), 0);
    }

    /**
     * A TLS trust failure anywhere in the cause chain (the transport wraps the JDK's PKIX error in a generic
     * "Failed to create SSL connection"): not transient, so never retried.
     */
    private static Classified tlsUntrusted(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof SSLPeerUnverifiedException || c instanceof GeneralSecurityException
                    || (c instanceof SSLException && String.valueOf(c.getMessage()).contains("PKIX"))) {
                return new Classified(FailureKind.TLS_UNTRUSTED, false, null,
                        "the TLS handshake refused it (" + cut(oneLine(c.getMessage())) + "); for a private CA or a local"
                                + " test vault set quarkus.kvconfig.tls.trust-store to its CA certificate (PEM or PKCS#12);"
                                + " check too that the vault URL's host is the one the certificate names",
                        0);
            }
        }
        return null;
    }

    private static final Pattern CHALLENGE_MISMATCH = Pattern.compile(
            "The challenge resource '([^']{0,200})' does not match the requested domain");

    /**
     * The SDK's challenge resource verification refused the vault's 401 challenge (a plain RuntimeException): the
     * server asked for a token of a resource its host does not belong to, and no token was sent.
     */
    private static Classified challengeRefused(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause() == c ? null : c.getCause()) {
            Matcher m = CHALLENGE_MISMATCH.matcher(String.valueOf(c.getMessage()));
            if (m.find()) {
                return new Classified(FailureKind.CHALLENGE_RESOURCE_MISMATCH, false, null,
                        "it asks for a token for '" + m.group(1) + "', whose domain does not contain the vault's host,"
                                + " so no token was sent (challenge resource verification)."
                                + " A Key Vault URL looks like https://<name>.vault.azure.net (or the vault domain of another"
                                + " Azure cloud): check the vault URL; for a local test vault (not Azure) set"
                                + " quarkus.kvconfig.challenge-resource-verification=false",
                        0);
            }
        }
        return null;
    }

    private static Classified classifyResponse(HttpResponseException e, String credentialDescription) {
        HttpResponse response = e.getResponse();
        int status = response.getStatusCode();
        ServiceError err = serviceError(e);
        String service = err.describe();
        switch (status) {
            case 404:
                return new Classified(FailureKind.NOT_FOUND, false, null,
                        "the secret (or this version) does not exist in the vault; create it, fix the name, "
                                + "or mark the reference optional with @kv?:" + service,
                        status);
            case 401:
                return new Classified(FailureKind.AUTHENTICATION_FAILED, false, null,
                        "the vault rejected the token from " + credentialDescription
                                + " (wrong tenant or audience?)" + service,
                        status);
            case 403: {
                String inner = err.innerCode == null ? "" : err.innerCode;
                // the inner code names it; without one, the firewall's own sentence does
                boolean byCode = inner.equalsIgnoreCase("ForbiddenByConnection") || inner.equalsIgnoreCase("ForbiddenByFirewall");
                if (byCode || (err.message != null
                        && err.message.toLowerCase(Locale.ROOT).contains("client address is not authorized"))) {
                    String address = clientAddress(err.message);
                    return new Classified(FailureKind.FIREWALL_BLOCKED, false, null,
                            "the vault firewall refused client address " + (address == null ? "(not reported)" : address)
                                    + "; add it to the vault's network rules (or configure "
                                    + "quarkus.kvconfig.firewall.resource-group for automatic allowlisting)" + service,
                            status, byCode ? inner : "ForbiddenByFirewall", address);
                }
                if (inner.equalsIgnoreCase("SecretDisabled")
                        || (err.message != null && err.message.toLowerCase().contains("disabled secret"))) {
                    return new Classified(FailureKind.DISABLED, false, null,
                            "the secret (version) is disabled; enable it or reference another version" + service, status);
                }
                // authorization, not the network: the firewall hook is not called for it (not FIREWALL_BLOCKED)
                String grant;
                if (inner.equalsIgnoreCase("ForbiddenByRbac")) {
                    grant = "the vault uses Azure RBAC: grant the identity the 'Key Vault Secrets User' role (reads; "
                            + "'Key Vault Secrets Officer' to write) on the vault or the secret";
                } else if (inner.equalsIgnoreCase("AccessDenied")) {
                    grant = "the vault uses access policies: give the identity an access policy with the secret "
                            + "permission 'get' (reads; 'set' to write)";
                } else {
                    grant = "grant it the 'Key Vault Secrets User' role on the vault (or a 'get' secret access policy)";
                }
                return new Classified(FailureKind.ACCESS_DENIED, false, null,
                        "the identity of " + credentialDescription + " may not read this secret; " + grant + service,
                        status, inner.isEmpty() ? null : inner, null);
            }
            case 409: {
                // soft delete: the inner code tells a running deletion/recovery (seconds) from a finished one
                String inner = err.innerCode == null ? "" : err.innerCode;
                if (inner.equalsIgnoreCase("ObjectIsBeingDeleted") || inner.equalsIgnoreCase("ObjectIsBeingRecovered")) {
                    return new Classified(FailureKind.DELETION_IN_PROGRESS, true, null, "the secret is being "
                            + (inner.equalsIgnoreCase("ObjectIsBeingDeleted") ? "deleted" : "recovered")
                            + " in the vault (that takes a few seconds); retry later" + service, status, inner, null);
                }
                if (inner.equalsIgnoreCase("ObjectIsDeletedButRecoverable")) {
                    return new Classified(FailureKind.DELETED_RECOVERABLE, false, null,
                            "the secret is deleted but recoverable (soft delete), so its name cannot be reused: recover"
                                    + " it ('az keyvault secret recover'), purge it ('az keyvault secret purge'), or choose"
                                    + " another secret name" + service,
                            status, inner, null);
                }
                return new Classified(FailureKind.UNEXPECTED, false, null, "the vault answered HTTP " + status + service,
                        status, inner.isEmpty() ? null : inner, null);
            }
            case 429:
                return new Classified(FailureKind.THROTTLED, true, retryAfter(response), "the vault throttled the requests"
                        + " (HTTP 429)", status);
            case 408:
                return new Classified(FailureKind.TIMED_OUT, true, null, "HTTP 408" + service, status);
            default:
                if (status >= 500) {
                    return new Classified(FailureKind.UNEXPECTED, true, null, "the vault answered HTTP " + status + service,
                            status);
                }
                return new Classified(FailureKind.UNEXPECTED, false, null, "the vault answered HTTP " + status + service,
                        status);
        }
    }

    public static String clientAddress(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = CLIENT_ADDRESS.matcher(message);
        return m.find() ? m.group(1) : null;
    }

    /** Seconds or an HTTP date in Retry-After, or milliseconds in (x-ms-)retry-after-ms. */
    static Duration retryAfter(HttpResponse response) {
        for (String h : new String[] { "retry-after-ms", "x-ms-retry-after-ms" }) {
            String v = response.getHeaderValue(h);
            if (v != null) {
                try {
                    return Duration.ofMillis(Math.max(0, Long.parseLong(v.strip())));
                } catch (NumberFormatException ignored) {
                    // fall through to Retry-After
                }
            }
        }
        return parseRetryAfter(response.getHeaderValue("Retry-After"));
    }

    public static Duration parseRetryAfter(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Math.max(0, Long.parseLong(v.strip())));
        } catch (NumberFormatException e) {
            try {
                ZonedDateTime at = ZonedDateTime.parse(v.strip(), DateTimeFormatter.RFC_1123_DATE_TIME);
                Duration d = Duration.between(ZonedDateTime.now(at.getZone()), at);
                return d.isNegative() ? Duration.ZERO : d;
            } catch (RuntimeException e2) {
                return null;
            }
        }
    }

    /** error.code, error.message, error.innererror.code of a Key Vault error body. */
    record ServiceError(String code, String message, String innerCode) {
        String describe() {
            if (code == null && message == null) {
                return "";
            }
            StringBuilder sb = new StringBuilder(" [vault says: ");
            if (code != null) {
                sb.append(code);
                if (innerCode != null) {
                    sb.append('/').append(innerCode);
                }
                sb.append(": ");
            }
            if (message != null) {
                sb.append(cut(oneLine(message)));
            }
            return sb.append(']').toString();
        }
    }

    @SuppressWarnings("unchecked")
    static ServiceError serviceError(HttpResponseException e) {
        Object body = e.getValue();
        Map<String, Object> root = null;
        if (body instanceof Map<?, ?> m) {
            root = (Map<String, Object>) m;
        } else {
            // azure-core puts the body in the message: Status code 403, "{...}"
            String msg = e.getMessage();
            int start = msg == null ? -1 : msg.indexOf('{');
            int end = msg == null ? -1 : msg.lastIndexOf('}');
            if (start >= 0 && end > start) {
                // not JSON: no service details
                root = JsonBodies.object(msg.substring(start, end + 1));
            }
        }
        if (root == null || !(root.get("error") instanceof Map<?, ?>)) {
            return new ServiceError(null, null, null);
        }
        Map<String, Object> error = (Map<String, Object>) root.get("error");
        String inner = null;
        if (error.get("innererror") instanceof Map<?, ?> ie && ie.get("code") instanceof String s) {
            inner = s;
        }
        return new ServiceError(str(error.get("code")), str(error.get("message")), inner);
    }

    private static String str(Object o) {
        return o instanceof String s ? s : null;
    }

    private static boolean fromVault(HttpResponseException e) {
        return e.getResponse() != null && e.getResponse().getStatusCode() == 401
                && e.getResponse().getRequest() != null
                && e.getResponse().getRequest().getUrl().getPath().startsWith("/secrets");
    }

    private static boolean isCredentialUnavailable(Throwable e) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c.getClass().getName().startsWith("com.azure.identity.")) {
                return true;
            }
        }
        return false;
    }

    private static Throwable unwrap(Throwable e) {
        Throwable t = e;
        // Reactor and CompletableFuture wrappers
        while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException
                || t.getClass().getName().startsWith("reactor.core.Exceptions")
                || (t instanceof RuntimeException && t.getClass() == RuntimeException.class))
                && t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t;
    }

    public static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("[\\r\\n\\t]+", " ").strip();
    }

    /** Where the SDK's troubleshooting boilerplate starts in a credential's line (links, no facts). */
    private static final String[] TROUBLESHOOTING = { "To mitigate this issue", "To further mitigate this issue",
            "See the troubleshooting guide", "For more details, refer to", "Please see http", "https://aka.ms/",
            "http://aka.ms/" };

    /**
     * A credential failure on one line. DefaultAzureCredential's message has one line per credential tried; each is
     * kept (shortened, without the SDK's troubleshooting links), so the error names every credential however long
     * the chain, instead of the first few that fit in one quote.
     */
    static String credentialText(String message) {
        if (message == null || !message.contains("\n")) {
            return cut(oneLine(message));
        }
        StringBuilder sb = new StringBuilder();
        for (String line : message.split("\\r?\\n")) {
            int end = line.length();
            for (String marker : TROUBLESHOOTING) {
                int at = line.indexOf(marker);
                if (at >= 0 && at < end) {
                    end = at;
                }
            }
            String part = oneLine(line.substring(0, end));
            if (!part.isEmpty()) {
                sb.append(sb.length() == 0 ? "" : " | ").append(part.length() <= 200 ? part : part.substring(0, 200) + "...");
            }
        }
        return sb.length() == 0 ? cut(oneLine(message)) : sb.toString();
    }

    public static String cut(String s) {
        return s.length() <= MAX_QUOTE ? s : s.substring(0, MAX_QUOTE) + "...";
    }
}
