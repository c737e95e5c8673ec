package io.vmimport.api.target;

import static java.util.Objects.requireNonNull;

/** State of something the target is working on (an image import, a VM start). */
public record TargetStatus(State state, String message) {
  public enum State {
    PENDING,
    READY,
    FAILED
  }

  public TargetStatus {
    requireNonNull(state, "state is null");
    requireNonNull(message, "message is null");
  }

  public static TargetStatus ready() {
    return new TargetStatus(State.READY, "");
  }

  public static TargetStatus pending(String message) {
    return new TargetStatus(State.PENDING, message);
  }

  public static TargetStatus failed(String message) {
    return new TargetStatus(State.FAILED, message);
  }
}
