package io.vmimport.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** Turns source names into Kubernetes names. */
public final class DnsNames {
  private static final int MAX_LABEL = 63;
  private static final int HASH_CHARS = 8;
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private DnsNames() {}

  public static boolean isLabel(String name) {
    return name.length() <= MAX_LABEL && LABEL.matcher(name).matches();
  }

  /**
   * A DNS-1123 label for {@code name}: the name itself when it already is one; otherwise a readable
   * form (lowercase, other characters as {@code -}) with a short hash of the original appended, so
   * that names differing only in case or punctuation stay distinct and a name always maps to the
   * same label.
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

  static String sha256Hex(String value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
