package io.gcgserve.server.security;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads PEM certificates and PKCS#8 private keys with the JDK alone. */
final class PemFiles {

  private static final Pattern PRIVATE_KEY =
      Pattern.compile("-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

  private static final Pattern OTHER_KEY = Pattern.compile("-----BEGIN ([A-Z ]*)PRIVATE KEY-----");

  private PemFiles() {}

  /**
   * The certificates in {@code file}, in file order (for a chain: leaf first).
   *
   * @throws IOException when the file cannot be read or holds no valid certificate
   */
  static List<X509Certificate> certificates(Path file) throws IOException {
    byte[] bytes = Files.readAllBytes(file);
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      for (var certificate :
          CertificateFactory.getInstance("X.509")
              .generateCertificates(new ByteArrayInputStream(bytes))) {
        certificates.add((X509Certificate) certificate);
      }
    } catch (CertificateException e) {
      throw new IOException(file + ": not a PEM certificate file (" + e.getMessage() + ")", e);
    }
    if (certificates.isEmpty()) {
      throw new IOException(file + ": holds no certificate (expected BEGIN CERTIFICATE)");
    }
    return certificates;
  }

  /**
   * The private key in {@code file}: PEM PKCS#8, RSA or EC.
   *
   * @throws IOException when the file cannot be read or holds no PKCS#8 key, saying how to convert
   */
  static PrivateKey privateKey(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.US_ASCII);
    Matcher matcher = PRIVATE_KEY.matcher(text);
    if (!matcher.find()) {
      Matcher other = OTHER_KEY.matcher(text);
      String found = other.find() ? "BEGIN " + other.group(1) + "PRIVATE KEY" : "no private key";
      throw new IOException(
          file
              + ": expected an unencrypted PEM PKCS#8 key (BEGIN PRIVATE KEY), found "
              + found
              + "; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8");
    }
    byte[] der;
    try {
      der = Base64.getMimeDecoder().decode(matcher.group(1).replaceAll("\\s", ""));
    } catch (IllegalArgumentException e) {
      throw new IOException(file + ": the PEM private key is not valid base64", e);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    for (String algorithm : List.of("RSA", "EC", "Ed25519")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (InvalidKeySpecException e) {
        // not this algorithm; try the next
      } catch (GeneralSecurityException e) {
        throw new IOException(file + ": cannot read the private key: " + e.getMessage(), e);
      }
    }
    throw new IOException(file + ": the PKCS#8 key is not an RSA, EC or Ed25519 key");
  }
}
