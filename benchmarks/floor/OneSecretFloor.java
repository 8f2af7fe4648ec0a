import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * The floor of the first secret on a JVM (issue 14): the three requests of a Key Vault read (the 401 challenge, the
 * managed identity token, Get Secret with the token) with nothing but the JDK: java.net.http over HTTP/2 and TLS,
 * the dev vault's CA as the only trust anchor, no JSON library (the token is cut out with a pattern). Whatever a
 * Quarkus extension adds on top, a cold JVM pays at least this. Prints the CPU of the whole process (all threads:
 * JIT and GC included, from /proc/self/stat) used from main() until the value arrived, and the wall time; then the
 * same for a second read on a new TLS context and client.
 * {@code --idle} measures main() doing nothing, the same way.
 * <p>
 * Arguments: --idle | [--url-connection] VAULT_URL IDENTITY_ENDPOINT IDENTITY_HEADER TRUST_STORE TRUST_STORE_PASSWORD
 * SECRET_NAME ({@code --url-connection}: the same over HttpsURLConnection, HTTP/1.1; {@code --tls-only
 * --url-connection ...}: that, after ten plain-HTTP requests with the same client, so the first read pays mostly for
 * TLS's first use).
 * Run by {@code benchmarks/run.sh --floor}, compiled with javac first (the source launcher would compile in the
 * measured process).
 */
public final class OneSecretFloor {

    public static void main(String[] args) throws Exception {
        StringBuilder out = new StringBuilder("floor start_rss_mb=" + rssMb());
        if (args.length == 8 && args[0].equals("--tls-only")) {
            // everything but TLS warmed first: the same client over plain HTTP (the token endpoint), ten times, so
            // the measured read below pays the first use of TLS and little else
            args = java.util.Arrays.copyOfRange(args, 1, args.length);
            for (int i = 0; i < 10; i++) {
                java.net.HttpURLConnection c = (java.net.HttpURLConnection) new java.net.URL(args[2]
                        + "?api-version=2019-08-01&resource=" + URLEncoder.encode("https://vault.azure.net", StandardCharsets.UTF_8))
                        .openConnection();
                c.setRequestProperty("X-IDENTITY-HEADER", args[3]);
                String body = new String(c.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(body).find();
            }
        }
        // the same read twice, the second on a new TLS context and client (a new handshake, no session reuse): the
        // first pays the code's first use (class loading, interpretation, JIT), the second mostly the work itself
        for (String round : new String[] { "first", "second" }) {
            long cpu0 = cpuMs();
            long t0 = System.nanoTime();
            String result = "idle";
            if (args.length == 7 && args[0].equals("--url-connection")) {
                result = readHttp1(args[1], args[2], args[3], Path.of(args[4]), args[5].toCharArray(), args[6]);
            } else if (!(args.length == 1 && args[0].equals("--idle"))) {
                result = read(args[0], args[1], args[2], Path.of(args[3]), args[4].toCharArray(), args[5]);
            }
            long wall = (System.nanoTime() - t0) / 1_000_000;
            long cpu1 = cpuMs();
            out.append(' ').append(round).append(": ").append(result).append(" wall_ms=").append(wall).append(" cpu_ms=")
                    .append(cpu1 - cpu0).append(" process_cpu_ms=").append(cpu1).append(" rss_mb=").append(rssMb());
        }
        System.out.println(out);
    }

    static SSLContext tls(Path trustStore, char[] password) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(trustStore)) {
            ks.load(in, password);
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
        return tls;
    }

    /** The same three requests over the JDK's oldest client: HttpsURLConnection, HTTP/1.1, one kept-alive connection. */
    static String readHttp1(String vault, String identityEndpoint, String identityHeader, Path trustStore, char[] password,
            String secret) throws Exception {
        javax.net.ssl.SSLSocketFactory sockets = tls(trustStore, password).getSocketFactory();
        java.net.URL get = new java.net.URL(vault + "/secrets/" + secret + "/?api-version=7.6");
        javax.net.ssl.HttpsURLConnection challenge = (javax.net.ssl.HttpsURLConnection) get.openConnection();
        challenge.setSSLSocketFactory(sockets);
        if (challenge.getResponseCode() != 401) {
            throw new IllegalStateException("challenge: HTTP " + challenge.getResponseCode());
        }
        challenge.getErrorStream().readAllBytes();
        java.net.HttpURLConnection token = (java.net.HttpURLConnection) new java.net.URL(identityEndpoint
                + "?api-version=2019-08-01&resource=" + URLEncoder.encode("https://vault.azure.net", StandardCharsets.UTF_8))
                .openConnection();
        token.setRequestProperty("X-IDENTITY-HEADER", identityHeader);
        String body = new String(token.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        Matcher m = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
        if (!m.find()) {
            throw new IllegalStateException("token: no access_token");
        }
        javax.net.ssl.HttpsURLConnection value = (javax.net.ssl.HttpsURLConnection) get.openConnection();
        value.setSSLSocketFactory(sockets);
        value.setRequestProperty("Authorization", "Bearer " + m.group(1));
        String secretBody = new String(value.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (value.getResponseCode() != 200 || !secretBody.contains("\"value\"")) {
            throw new IllegalStateException("get: HTTP " + value.getResponseCode());
        }
        return "read HTTP_1_1";
    }

    static String read(String vault, String identityEndpoint, String identityHeader, Path trustStore, char[] password,
            String secret) throws Exception {
        HttpClient http = HttpClient.newBuilder().sslContext(tls(trustStore, password)).version(HttpClient.Version.HTTP_2).build();
        URI get = URI.create(vault + "/secrets/" + secret + "/?api-version=7.6");
        HttpResponse<String> challenge = http.send(HttpRequest.newBuilder(get).build(), HttpResponse.BodyHandlers.ofString());
        if (challenge.statusCode() != 401) {
            throw new IllegalStateException("challenge: HTTP " + challenge.statusCode());
        }
        URI tokenUri = URI.create(identityEndpoint + "?api-version=2019-08-01&resource="
                + URLEncoder.encode("https://vault.azure.net", StandardCharsets.UTF_8));
        HttpResponse<String> token = http.send(HttpRequest.newBuilder(tokenUri).version(HttpClient.Version.HTTP_1_1)
                .header("X-IDENTITY-HEADER", identityHeader).build(), HttpResponse.BodyHandlers.ofString());
        Matcher m = Pattern.compile("\"access_token\"\\s*:\\s*\"([^\"]+)\"").matcher(token.body());
        if (token.statusCode() != 200 || !m.find()) {
            throw new IllegalStateException("token: HTTP " + token.statusCode());
        }
        HttpResponse<String> value = http.send(HttpRequest.newBuilder(get).header("Authorization", "Bearer " + m.group(1))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (value.statusCode() != 200 || !value.body().contains("\"value\"")) {
            throw new IllegalStateException("get: HTTP " + value.statusCode());
        }
        return "read " + value.version();
    }

    /** VmRSS of the process, in MB. */
    static long rssMb() throws Exception {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        return -1;
    }

    /** utime + stime of the whole process, in ms (10 ms ticks). */
    static long cpuMs() throws Exception {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // fields 14 and 15 of stat; after the comm field they are the 12th and 13th
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10;
    }
}
