package io.kvconfig.runtime.vault;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collections;

import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** A trust manager that trusts the JDK's CAs plus the certificates of an extra trust store (PKCS12, or PEM certificates). */
final class TrustStores {

    private TrustStores() {
    }

    static X509TrustManager trustManager(Path extraTrustStore, String password) {
        try {
            KeyStore merged = KeyStore.getInstance("PKCS12");
            merged.load(null, null);
            int i = 0;
            // the JDK's default trust (cacerts, or javax.net.ssl.trustStore when set)
            for (X509Certificate ca : defaultTrustManager(null).getAcceptedIssuers()) {
                merged.setCertificateEntry("jdk-" + i++, ca);
            }
            KeyStore extra = load(extraTrustStore, password);
            int added = 0;
            for (String alias : Collections.list(extra.aliases())) {
                Certificate cert = extra.getCertificate(alias);
                if (cert != null) {
                    merged.setCertificateEntry("extra-" + added++, cert);
                }
            }
            if (added == 0) {
                throw new IllegalArgumentException(KeyVaultSettings.TLS_TRUST_STORE + "=" + extraTrustStore
                        + " contains no certificates");
            }
            return defaultTrustManager(merged);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalArgumentException("Cannot set up TLS trust from " + KeyVaultSettings.TLS_TRUST_STORE + "="
                    + extraTrustStore + ": " + e.getMessage(), e);
        }
    }

    private static KeyStore load(Path path, String password) throws GeneralSecurityException, IOException {
        if (!Files.isReadable(path)) {
            throw new IllegalArgumentException(KeyVaultSettings.TLS_TRUST_STORE + "=" + path
                    + " does not exist or is not readable");
        }
        if (isPem(path)) {
            // PEM certificates: no keystore MAC to verify (a PKCS12 load runs ~10k PBKDF2 rounds in a cold JVM)
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            int i = 0;
            try (InputStream in = Files.newInputStream(path)) {
                for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                    ks.setCertificateEntry("pem-" + i++, c);
                }
            } catch (CertificateException e) {
                throw new IllegalArgumentException(KeyVaultSettings.TLS_TRUST_STORE + "=" + path
                        + " cannot be read as PEM certificates: " + e.getMessage(), e);
            }
            return ks;
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(path)) {
            ks.load(in, password == null ? null : password.toCharArray());
        } catch (IOException e) {
            // wrong password or not PKCS12; the JDK's text says which without echoing the password
            throw new IllegalArgumentException(KeyVaultSettings.TLS_TRUST_STORE + "=" + path
                    + " cannot be read as PKCS12 (wrong " + KeyVaultSettings.TLS_TRUST_STORE_PASSWORD
                    + " or format?): " + e.getMessage(), e);
        }
        return ks;
    }

    private static boolean isPem(Path path) throws IOException {
        try (InputStream in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(64);
            return new String(head, java.nio.charset.StandardCharsets.US_ASCII).stripLeading().startsWith("-----BEGIN");
        }
    }

    private static X509TrustManager defaultTrustManager(KeyStore ks) throws GeneralSecurityException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509TrustManager");
    }
}
