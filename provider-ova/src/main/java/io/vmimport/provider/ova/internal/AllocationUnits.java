package io.vmimport.provider.ova.internal;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The units of OVF quantities: DMTF's programmatic units ({@code byte * 2^20}, {@code byte * 10^9},
 * {@code byte * 1024}) and the names tools write instead ({@code MegaBytes}, {@code GigaBytes};
 * VirtualBox means 2^20 by MegaBytes, as VMware does).
 */
final class AllocationUnits {
  private static final Map<String, Long> NAMED =
      Map.ofEntries(
          Map.entry("byte", 1L),
          Map.entry("bytes", 1L),
          Map.entry("kilobyte", 1L << 10),
          Map.entry("kilobytes", 1L << 10),
          Map.entry("kb", 1L << 10),
          Map.entry("kib", 1L << 10),
          Map.entry("megabyte", 1L << 20),
          Map.entry("megabytes", 1L << 20),
          Map.entry("mb", 1L << 20),
          Map.entry("mib", 1L << 20),
          Map.entry("gigabyte", 1L << 30),
          Map.entry("gigabytes", 1L << 30),
          Map.entry("gb", 1L << 30),
          Map.entry("gib", 1L << 30),
          Map.entry("terabyte", 1L << 40),
          Map.entry("terabytes", 1L << 40),
          Map.entry("tb", 1L << 40),
          Map.entry("tib", 1L << 40));

  private static final Pattern FACTOR = Pattern.compile("\\*(\\d+)(?:\\^(\\d+))?");

  private AllocationUnits() {}

  /**
   * Bytes per unit.
   *
   * @param what what the unit measures, for the message
   * @throws VmImportException NOT_SUPPORTED naming a unit that is not bytes
   */
  static long bytesPer(String units, String what) {
    String normal = units.replaceAll("\\s+", "").toLowerCase(Locale.ROOT);
    Long named = NAMED.get(normal);
    if (named != null) {
      return named;
    }
    String rest;
    if (normal.startsWith("bytes")) {
      rest = normal.substring(5);
    } else if (normal.startsWith("byte")) {
      rest = normal.substring(4);
    } else {
      throw unknown(units, what);
    }
    BigInteger bytes = BigInteger.ONE;
    Matcher factor = FACTOR.matcher(rest);
    int at = 0;
    while (factor.find() && factor.start() == at) {
      BigInteger base = new BigInteger(factor.group(1));
      int exponent = factor.group(2) == null ? 1 : Integer.parseInt(factor.group(2));
      if (exponent > 64) {
        throw unknown(units, what);
      }
      bytes = bytes.multiply(base.pow(exponent));
      at = factor.end();
    }
    if (at != rest.length() || bytes.bitLength() > 62) {
      throw unknown(units, what);
    }
    return bytes.longValueExact();
  }

  /** {@code quantity} units in bytes, refusing an overflow. */
  static long bytes(long quantity, String units, String what) {
    try {
      return Math.multiplyExact(quantity, bytesPer(units, what));
    } catch (ArithmeticException e) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED, what + " of " + quantity + " " + units + " is too large", e);
    }
  }

  private static VmImportException unknown(String units, String what) {
    return new VmImportException(
        ErrorCode.NOT_SUPPORTED,
        "the descriptor gives "
            + what
            + " in '"
            + units
            + "', which is not a unit of bytes vmimport knows (e.g. 'byte * 2^20', 'MegaBytes')");
  }
}
