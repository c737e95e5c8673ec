package io.vmimport.operator.internal;

import io.vmimport.api.UserInfoRedaction;
import io.vmimport.operator.crd.Condition;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** Conditions as vm-import-controller writes them: RFC 3339 times, one entry per type. */
final class Conditions {
  private Conditions() {}

  static String time(Instant instant) {
    return instant.truncatedTo(ChronoUnit.SECONDS).toString();
  }

  /**
   * Returns {@code conditions} with {@code type} set; {@code lastTransitionTime} moves only when
   * the status flips, {@code lastUpdateTime} whenever anything changes.
   */
  static List<Condition> set(
      List<Condition> conditions,
      String type,
      boolean status,
      String reason,
      String message,
      Instant now) {
    // every condition message passes here: an endpoint typed with user:password@ stops here too
    message = UserInfoRedaction.redact(message);
    List<Condition> result = new ArrayList<>(conditions == null ? List.of() : conditions);
    String value = status ? "True" : "False";
    for (int i = 0; i < result.size(); i++) {
      Condition old = result.get(i);
      if (type.equals(old.type)) {
        if (value.equals(old.status)
            && Objects.equals(reason, old.reason)
            && Objects.equals(message, old.message)) {
          return result;
        }
        Condition updated = condition(type, value, reason, message, now);
        if (value.equals(old.status) && old.lastTransitionTime != null) {
          updated.lastTransitionTime = old.lastTransitionTime;
        }
        result.set(i, updated);
        return result;
      }
    }
    result.add(condition(type, value, reason, message, now));
    return result;
  }

  static Condition find(List<Condition> conditions, String type) {
    if (conditions == null) {
      return null;
    }
    return conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElse(null);
  }

  private static Condition condition(
      String type, String status, String reason, String message, Instant now) {
    Condition condition = new Condition();
    condition.type = type;
    condition.status = status;
    condition.reason = reason;
    condition.message = message;
    condition.lastUpdateTime = time(now);
    condition.lastTransitionTime = time(now);
    return condition;
  }
}
