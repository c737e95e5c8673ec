package io.vmimport.core.internal;

import io.github.resilience4j.core.IntervalFunction;
import io.github.resilience4j.retry.Retry;
import io.github.resilience4j.retry.RetryConfig;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.HumanDuration;
import io.vmimport.api.VmImportException;
import io.vmimport.core.EngineConfig;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs remote calls with bounded retries and exponential backoff, only for errors marked retryable;
 * a user's mistake (bad credentials, unknown VM) fails at once.
 */
public final class Retrier {
  private static final Logger log = LoggerFactory.getLogger(Retrier.class);

  private final RetryConfig config;

  public Retrier(EngineConfig engineConfig) {
    this.config =
        RetryConfig.custom()
            .maxAttempts(engineConfig.maxAttempts())
            .intervalFunction(
                IntervalFunction.ofExponentialBackoff(
                    engineConfig.initialBackoff(), 2.0, engineConfig.maxBackoff()))
            .retryOnException(
                e -> e instanceof VmImportException v && v.retryable() && !isInterrupted())
            .build();
  }

  /**
   * Calls {@code call}, retrying retryable failures. Anything but a {@link VmImportException}
   * escaping a provider is a defect in it and becomes {@code INTERNAL}, naming {@code what}.
   */
  public <T> T call(String what, Supplier<T> call) {
    Retry retry = Retry.of(what, config);
    retry
        .getEventPublisher()
        .onRetry(
            event ->
                log.warn(
                    "{} failed (attempt {}), retrying in {}: {}",
                    what,
                    event.getNumberOfRetryAttempts(),
                    HumanDuration.format(event.getWaitInterval()),
                    event.getLastThrowable().toString()));
    return retry.executeSupplier(() -> translate(what, call));
  }

  public void run(String what, Runnable call) {
    call(
        what,
        () -> {
          call.run();
          return null;
        });
  }

  private static <T> T translate(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (VmImportException e) {
      throw e;
    } catch (RuntimeException e) {
      throw new VmImportException(ErrorCode.INTERNAL, what + " failed unexpectedly: " + e, e);
    }
  }

  private static boolean isInterrupted() {
    return Thread.currentThread().isInterrupted();
  }
}
