package io.vmimport.api.guest;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * What an inspection found.
 *
 * @param os the operating system; empty when none was found
 * @param convertible whether this converter can convert it
 * @param reason why not, when not convertible; otherwise a short note (may be empty)
 */
public record GuestInspection(Optional<GuestOs> os, boolean convertible, String reason) {
  public GuestInspection {
    requireNonNull(os, "os is null");
    requireNonNull(reason, "reason is null");
  }
}
