package io.vmimport.target.harvester.internal;

import io.vmimport.api.DnsNames;
import java.util.regex.Pattern;

/**
 * Label values, applied deterministically so writes stay idempotent. Names (DNS-1123 labels) come
 * from {@link DnsNames}, the one rule core and the targets share.
 */
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
    return DnsNames.sha256Hex(value).substring(0, 40);
  }
}
