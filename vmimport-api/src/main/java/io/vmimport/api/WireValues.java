package io.vmimport.api;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/** Parses the lowercase strings of the CRDs into enums, naming the field on a bad value. */
public final class WireValues {
  private WireValues() {}

  /**
   * Finds the constant whose wire value equals {@code value} (case-insensitive).
   *
   * @param field the spec field, for the message, e.g. {@code spec.defaultDiskBusType}
   * @throws VmImportException with {@link ErrorCode#INVALID_SPEC} listing the accepted values
   */
  public static <E extends Enum<E>> E parse(
      Class<E> type, Function<E, String> wireValue, String value, String field) {
    String wanted = value.trim().toLowerCase(Locale.ROOT);
    E[] constants = type.getEnumConstants();
    for (E constant : constants) {
      if (wireValue.apply(constant).equals(wanted)) {
        return constant;
      }
    }
    List<String> accepted = Arrays.stream(constants).map(wireValue).toList();
    throw new VmImportException(
        ErrorCode.INVALID_SPEC, field + ": '" + value + "' is not one of " + accepted);
  }
}
