package io.vmimport.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Kubernetes name rules (DNS-1123), and the one way vmimport turns any other name into a label.
 * Core, the targets and the resource translation all use this class, so that a name maps to the
 * same label wherever it is used.
 */
public final class DnsNames {
  /** The longest DNS-1123 label: namespaces, VM names, most generated names. */
  public static final int MAX_LABEL = 63;

  /** The longest DNS-1123 subdomain: names of Secrets and custom resources. */
  public static final int MAX_SUBDOMAIN = 253;

  private static final int HASH_CHARS = 8;
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");

  private DnsNames() {}

  public static boolean isLabel(String name) {
    return name.length() <= MAX_LABEL && LABEL.matcher(name).matches();
  }

  public static boolean isSubdomain(String name) {
    return name.length() <= MAX_SUBDOMAIN && SUBDOMAIN.matcher(name).matches();
  }

  /** Why {@code name} is not a DNS-1123 label, in the API server's terms; empty when it is one. */
  public static Optional<String> labelProblem(String name) {
    if (name.length() > MAX_LABEL) {
      return Optional.of("must be no more than " + MAX_LABEL + " characters");
    }
    if (!LABEL.matcher(name).matches()) {
      return Optional.of(
          "a DNS-1123 label must consist of lower case alphanumeric characters or '-', and must"
              + " start and end with an alphanumeric character");
    }
    return Optional.empty();
  }

  /**
   * Why {@code name} is not a DNS-1123 subdomain, in the API server's terms; empty when it is one.
   */
  public static Optional<String> subdomainProblem(String name) {
    if (name.length() > MAX_SUBDOMAIN) {
      return Optional.of("must be no more than " + MAX_SUBDOMAIN + " characters");
    }
    if (!SUBDOMAIN.matcher(name).matches()) {
      return Optional.of(
          "a DNS-1123 subdomain must consist of lower case alphanumeric characters, '-' or '.',"
              + " and must start and end with an alphanumeric character");
    }
    return Optional.empty();
  }

  /**
   * A DNS-1123 label for {@code name}: the name itself when it already is one; otherwise a readable
   * form (lowercase, other characters as {@code -}) with a short hash of the original appended. The
   * hash is what keeps two names apart that differ only in case or punctuation ({@code Web} and
   * {@code web}, {@code web.prod} and {@code web-prod}): dropping it would let two imports share a
   * VM, an image or a scratch folder. A name always maps to the same label.
   */
  public static String toLabel(String name) {
    if (isLabel(name)) {
      return name;
    }
    String readable =
        name.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+|-+$", "");
    int room = MAX_LABEL - HASH_CHARS - 1;
    if (readable.length() > room) {
      readable = readable.substring(0, room).replaceAll("-+$", "");
    }
    String hash = sha256Hex(name).substring(0, HASH_CHARS);
    return readable.isEmpty() ? "vm-" + hash : readable + "-" + hash;
  }

  /** The SHA-256 of the UTF-8 bytes of {@code value}, in lower-case hex. */
  public static String sha256Hex(String value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
