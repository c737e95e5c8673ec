package io.vmimport.target.harvester.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;

/** Kubernetes name and label-value rules, applied deterministically so writes stay idempotent. */
public final class KubeNames {
  private static final int MAX_LABEL = 63;
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?");

  private KubeNames() {}

  /** The value itself when it is a valid label value, else a stable hash of it (40 hex chars). */
  public static String labelValue(String value) {
    if (value.length() <= MAX_LABEL && LABEL_VALUE.matcher(value).matches()) {
      return value;
    }
    return sha256Hex(value).substring(0, 40);
  }

  /**
   * A DNS-1123 label built from {@code base}: lower case, invalid characters replaced, and when too
   * long cut and suffixed with a hash of the whole so two long names never collide.
   */
  public static String dnsLabel(String base) {
    String lower = base.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    lower = lower.replaceAll("^-+", "").replaceAll("-+$", "");
    if (lower.isEmpty()) {
      lower = "x";
    }
    if (lower.length() <= MAX_LABEL) {
      return lower;
    }
    String hash = sha256Hex(base).substring(0, 8);
    String head = lower.substring(0, MAX_LABEL - hash.length() - 1).replaceAll("-+$", "");
    return head + "-" + hash;
  }

  static String sha256Hex(String value) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(value.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks SHA-256", e);
    }
  }
}
