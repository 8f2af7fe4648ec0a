package io.kvconfig.devvault;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A private CA and a server certificate for localhost/127.0.0.1/::1 (plus any extra host names, e.g.
 * {@code kvtest.vault.azure.net}), built with the JDK's public APIs only
 * (the JDK has no public certificate builder, so the certificates are DER-encoded by hand and signed with
 * {@link Signature}).
 */
final class TlsMaterial {
    static final String TRUST_STORE_PASSWORD = "changeit";
    private static final String SIG_ALG = "SHA256withECDSA";
    private static final String SIG_ALG_OID = "1.2.840.10045.4.3.2";
    private static final DateTimeFormatter UTC_TIME = DateTimeFormatter.ofPattern("yyMMddHHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    final PrivateKey caKey;
    final X509Certificate caCert;
    final PrivateKey serverKey;
    final X509Certificate serverCert;

    private TlsMaterial(PrivateKey caKey, X509Certificate caCert, PrivateKey serverKey, X509Certificate serverCert) {
        this.caKey = caKey;
        this.caCert = caCert;
        this.serverKey = serverKey;
        this.serverCert = serverCert;
    }

    /** A new CA and a server certificate for localhost, 127.0.0.1, ::1 and {@code hostNames}. */
    static TlsMaterial generate(List<String> hostNames) {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair ca = gen.generateKeyPair();
            Instant now = Instant.now();
            byte[] caName = name("kvconfig dev vault CA");
            byte[] caExtensions = Der.sequence(
                    extension("2.5.29.19", true, Der.sequence(Der.bool(true))),
                    // keyCertSign | cRLSign
                    extension("2.5.29.15", true, Der.bitString(new byte[] {0x06}, 1)),
                    extension("2.5.29.14", false, Der.octetString(keyId(ca.getPublic()))));
            X509Certificate caCert = sign(caName, caName, ca.getPublic(), now.minus(Duration.ofDays(1)),
                    now.plus(Duration.ofDays(3650)), caExtensions, ca.getPrivate());
            return issueServer(ca.getPrivate(), caCert, hostNames);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot generate the dev vault's TLS certificate", e);
        }
    }

    /** Keeps the CA (clients that trust it keep trusting) and issues a new server certificate for these names. */
    TlsMaterial reissue(List<String> hostNames) {
        try {
            return issueServer(caKey, caCert, hostNames);
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot generate the dev vault's TLS certificate", e);
        }
    }

    private static TlsMaterial issueServer(PrivateKey caKey, X509Certificate caCert, List<String> hostNames)
            throws GeneralSecurityException, IOException {
        KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
        gen.initialize(new ECGenParameterSpec("secp256r1"));
        KeyPair server = gen.generateKeyPair();
        Instant now = Instant.now();
        List<byte[]> names = new ArrayList<>();
        names.add(Der.implicitPrimitive(2, "localhost".getBytes(StandardCharsets.US_ASCII)));
        for (String h : hostNames) {
            names.add(Der.implicitPrimitive(2, h.getBytes(StandardCharsets.US_ASCII)));
        }
        names.add(Der.implicitPrimitive(7, InetAddress.getByName("127.0.0.1").getAddress()));
        names.add(Der.implicitPrimitive(7, InetAddress.getByName("::1").getAddress()));
        byte[] serverExtensions = Der.sequence(
                extension("2.5.29.19", true, Der.sequence()),
                // digitalSignature
                extension("2.5.29.15", true, Der.bitString(new byte[] {(byte) 0x80}, 7)),
                extension("2.5.29.37", false, Der.sequence(Der.oid("1.3.6.1.5.5.7.3.1"))),
                extension("2.5.29.17", false, Der.sequence(names.toArray(new byte[0][]))),
                extension("2.5.29.14", false, Der.octetString(keyId(server.getPublic()))),
                extension("2.5.29.35", false, Der.sequence(Der.implicitPrimitive(0, keyId(caCert.getPublicKey())))));
        X509Certificate serverCert = sign(caCert.getSubjectX500Principal().getEncoded(), name("localhost"), server.getPublic(),
                now.minus(Duration.ofDays(1)), now.plus(Duration.ofDays(3650)), serverExtensions, caKey);
        return new TlsMaterial(caKey, caCert, server.getPrivate(), serverCert);
    }

    /** Whether the server certificate names every one of these DNS names. */
    boolean covers(List<String> hostNames) {
        try {
            Set<String> dns = new HashSet<>();
            Collection<List<?>> sans = serverCert.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(2).equals(san.get(0))) {
                        dns.add(String.valueOf(san.get(1)).toLowerCase(Locale.ROOT));
                    }
                }
            }
            return hostNames.stream().allMatch(h -> dns.contains(h.toLowerCase(Locale.ROOT)));
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Restores material saved by {@link #encoded()}: caKey, caCert, serverKey, serverCert (base64 DER). */
    static TlsMaterial decode(String caKey, String caCert, String serverKey, String serverCert) {
        try {
            KeyFactory kf = KeyFactory.getInstance("EC");
            Base64.Decoder b64 = Base64.getDecoder();
            return new TlsMaterial(
                    kf.generatePrivate(new PKCS8EncodedKeySpec(b64.decode(caKey))), certificate(b64.decode(caCert)),
                    kf.generatePrivate(new PKCS8EncodedKeySpec(b64.decode(serverKey))),
                    certificate(b64.decode(serverCert)));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new IllegalStateException("The state file holds an unreadable TLS certificate", e);
        }
    }

    String[] encoded() {
        try {
            Base64.Encoder b64 = Base64.getEncoder();
            return new String[] {b64.encodeToString(caKey.getEncoded()), b64.encodeToString(caCert.getEncoded()),
                    b64.encodeToString(serverKey.getEncoded()), b64.encodeToString(serverCert.getEncoded())};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    boolean stillValid() {
        try {
            Instant soon = Instant.now().plus(Duration.ofDays(1));
            caCert.checkValidity(java.util.Date.from(soon));
            serverCert.checkValidity(java.util.Date.from(soon));
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** The server's key and certificate chain, in memory (the HTTPS port's key material). */
    KeyManagerFactory keyManagerFactory() {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pwd = TRUST_STORE_PASSWORD.toCharArray();
            ks.setKeyEntry("server", serverKey, pwd, new Certificate[] {serverCert, caCert});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pwd);
            return kmf;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("Cannot set up the dev vault's TLS", e);
        }
    }

    /** A client SSLContext that trusts only this dev vault's CA. */
    SSLContext clientContext() {
        try {
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trustStore());
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), new SecureRandom());
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException(e);
        }
    }

    KeyStore trustStore() throws GeneralSecurityException, IOException {
        KeyStore ts = KeyStore.getInstance("PKCS12");
        ts.load(null, null);
        ts.setCertificateEntry("kvconfig-dev-vault-ca", caCert);
        return ts;
    }

    String caPem() {
        try {
            String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(caCert.getEncoded());
            return "-----BEGIN CERTIFICATE-----\n" + body + "\n-----END CERTIFICATE-----\n";
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes ca.pem and truststore.p12 into dir (atomically each, world-readable: they hold no secret). */
    void writeTo(Path dir) throws IOException {
        Files.createDirectories(dir);
        writeAtomically(dir.resolve("ca.pem"), caPem().getBytes(StandardCharsets.US_ASCII));
        try {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            trustStore().store(out, TRUST_STORE_PASSWORD.toCharArray());
            writeAtomically(dir.resolve("truststore.p12"), out.toByteArray());
        } catch (GeneralSecurityException e) {
            throw new IOException("Cannot write the trust store", e);
        }
    }

    private static void writeAtomically(Path target, byte[] content) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp");
        try {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(content);
            }
            if (tmp.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                // certificates only, no secret: readable by other users (e.g. a container user)
                Files.setPosixFilePermissions(tmp, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            }
            StateFile.moveAtomically(tmp, target);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static X509Certificate sign(byte[] issuer, byte[] subject, PublicKey subjectKey, Instant notBefore,
            Instant notAfter, byte[] extensions, PrivateKey issuerKey) throws GeneralSecurityException {
        byte[] algId = Der.sequence(Der.oid(SIG_ALG_OID));
        byte[] serial = new byte[16];
        new SecureRandom().nextBytes(serial);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        byte[] tbs = Der.sequence(
                Der.explicit(0, Der.integer(2)),
                Der.integer(new BigInteger(serial)),
                algId,
                issuer,
                Der.sequence(Der.utcTime(UTC_TIME.format(notBefore)), Der.utcTime(UTC_TIME.format(notAfter))),
                subject,
                subjectKey.getEncoded(),
                Der.explicit(3, extensions));
        Signature sig = Signature.getInstance(SIG_ALG);
        sig.initSign(issuerKey);
        sig.update(tbs);
        byte[] cert = Der.sequence(tbs, algId, Der.bitString(sig.sign(), 0));
        return certificate(cert);
    }

    private static X509Certificate certificate(byte[] der) throws GeneralSecurityException {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(der));
    }

    private static byte[] name(String cn) {
        return Der.sequence(Der.set(Der.sequence(Der.oid("2.5.4.3"), Der.utf8(cn))),
                Der.set(Der.sequence(Der.oid("2.5.4.10"), Der.utf8("kvconfig"))));
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }

    private static byte[] keyId(PublicKey key) throws GeneralSecurityException {
        return Arrays.copyOf(MessageDigest.getInstance("SHA-1").digest(key.getEncoded()), 20);
    }
}
