package io.vmimport.tck;

import io.vmimport.api.source.ValidationIssue;
import java.util.Collection;
import java.util.Set;
import java.util.stream.Collectors;

/** Checks that no credential value reaches an exception or a validation message. */
final class SecretScan {
  /** Below this length a secret could match innocent text ("pass" in "password"). */
  static final int MIN_CHECKABLE_LENGTH = 8;

  private SecretScan() {}

  /** The secrets long enough to search for without false alarms. */
  static Set<String> checkable(Set<String> secrets) {
    return secrets.stream()
        .filter(secret -> secret.length() >= MIN_CHECKABLE_LENGTH)
        .collect(Collectors.toUnmodifiableSet());
  }

  static void assertNoSecretIn(Throwable failure, Set<String> secrets) {
    for (Throwable t = failure; t != null; t = t.getCause()) {
      assertNoSecretIn("message of " + t.getClass().getName(), String.valueOf(t), secrets);
      for (Throwable suppressed : t.getSuppressed()) {
        assertNoSecretIn(suppressed, secrets);
      }
      if (t.getCause() == t) {
        break;
      }
    }
  }

  static void assertNoSecretIn(Collection<ValidationIssue> issues, Set<String> secrets) {
    for (ValidationIssue issue : issues) {
      assertNoSecretIn("validation issue " + issue.code(), issue.toString(), secrets);
    }
  }

  private static void assertNoSecretIn(String where, String text, Set<String> secrets) {
    for (String secret : secrets) {
      if (text.contains(secret)) {
        // the secret itself must not be printed by the failing test either
        throw new AssertionError(
            where + " contains a credential value (" + secret.length() + " characters)");
      }
    }
  }
}
