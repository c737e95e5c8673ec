package io.vmimport.provider.ova.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** An OVA's manifest: one {@code SHA256(file)= hex} line per file (SHA1 and SHA512 too). */
final class Manifest {
  static final Manifest NONE = new Manifest(Map.of());

  private static final Pattern LINE =
      Pattern.compile("(SHA1|SHA256|SHA512)\\s*\\((.+)\\)\\s*=\\s*([0-9a-fA-F]+)\\s*");

  /** The digest a file must have. */
  record Digest(String algorithm, String hex) {
    Digest {
      requireNonNull(algorithm, "algorithm is null");
      requireNonNull(hex, "hex is null");
    }

    /** The JDK's name of the algorithm: SHA-256 for SHA256. */
    String jdkName() {
      return algorithm.replace("SHA", "SHA-");
    }

    MessageDigest newDigest() {
      try {
        return MessageDigest.getInstance(jdkName());
      } catch (NoSuchAlgorithmException e) {
        throw new VmImportException(ErrorCode.INTERNAL, "the JDK lacks " + jdkName(), e);
      }
    }

    boolean matches(byte[] digest) {
      return HexFormat.of().formatHex(digest).equalsIgnoreCase(hex);
    }
  }

  private final Map<String, Digest> digests;

  private Manifest(Map<String, Digest> digests) {
    this.digests = Map.copyOf(digests);
  }

  /**
   * @throws VmImportException INVALID_SPEC naming the line a manifest cannot have
   */
  static Manifest parse(String name, byte[] text) {
    Map<String, Digest> digests = new LinkedHashMap<>();
    int number = 0;
    for (String line : new String(text, StandardCharsets.UTF_8).split("\r?\n")) {
      number++;
      if (line.isBlank()) {
        continue;
      }
      Matcher matcher = LINE.matcher(line.trim());
      if (!matcher.matches()) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC,
            "manifest "
                + name
                + " line "
                + number
                + " is not 'SHA256(file)= digest': "
                + (line.length() > 80 ? line.substring(0, 80) + "..." : line));
      }
      digests.put(
          matcher.group(2).trim(),
          new Digest(
              matcher.group(1).toUpperCase(Locale.ROOT),
              matcher.group(3).toLowerCase(Locale.ROOT)));
    }
    return new Manifest(digests);
  }

  Optional<Digest> digestOf(String file) {
    return Optional.ofNullable(digests.get(file));
  }

  boolean isEmpty() {
    return digests.isEmpty();
  }
}
