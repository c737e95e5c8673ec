package io.vmimport.operator.internal;

import static java.util.Objects.requireNonNull;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.IOException;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Retries a write or read of the operator's own bookkeeping (statuses, checkpoints) that the API
 * server refused for a reason that passes: a conflict (409), throttling (429), a server error (5xx)
 * or a broken connection. fabric8's client already repeats 429, 5xx and I/O errors for about 20
 * seconds; this covers what outlasts that (an API server restarting, an etcd election) and
 * conflicts, which the client never repeats. Each attempt runs the whole call again, so a call that
 * reads the object first re-applies its change to what the server holds now.
 */
final class ApiRetry {
  private static final Logger log = LoggerFactory.getLogger(ApiRetry.class);

  /**
   * How often and how long to wait: {@code attempts} in all, waiting {@code first}, then twice as
   * long each time, at most {@code max}.
   */
  record Backoff(int attempts, Duration first, Duration max) {
    static final Backoff DEFAULT = new Backoff(5, Duration.ofMillis(500), Duration.ofSeconds(8));

    Backoff {
      requireNonNull(first, "first is null");
      requireNonNull(max, "max is null");
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1: " + attempts);
      }
    }

    /** The wait after failed attempt {@code attempt} (1 for the first). */
    Duration delay(int attempt) {
      Duration delay = first;
      for (int i = 1; i < attempt && delay.compareTo(max) < 0; i++) {
        delay = delay.multipliedBy(2);
      }
      return delay.compareTo(max) > 0 ? max : delay;
    }
  }

  private ApiRetry() {}

  /** Whether {@code e} may pass by itself, so that the same call may succeed later. */
  static boolean passes(KubernetesClientException e) {
    int code = e.getCode();
    if (code == 409 || code == 429 || code >= 500) {
      return true;
    }
    // no HTTP answer at all: the connection broke or timed out
    for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
      if (cause instanceof IOException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs {@code call} until it succeeds, fails for good or has run {@code backoff.attempts()}
   * times, waiting in between in the calling thread.
   *
   * @throws KubernetesClientException the last failure
   */
  static <T> T call(Backoff backoff, String what, Supplier<T> call) {
    for (int attempt = 1; ; attempt++) {
      try {
        return call.get();
      } catch (KubernetesClientException e) {
        if (!passes(e) || attempt >= backoff.attempts()) {
          throw e;
        }
        Duration delay = backoff.delay(attempt);
        log.info(
            "{}: the API server answered {} ({}); attempt {} of {} in {} ms",
            what,
            e.getCode(),
            e.getMessage(),
            attempt + 1,
            backoff.attempts(),
            delay.toMillis());
        try {
          Thread.sleep(delay.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          e.addSuppressed(interrupted);
          throw e;
        }
      }
    }
  }

  static void run(Backoff backoff, String what, Runnable call) {
    call(
        backoff,
        what,
        () -> {
          call.run();
          return null;
        });
  }
}
