package io.vmimport.api.convert;

/** Receives progress of one long operation. Called on the caller's thread; must be quick. */
@FunctionalInterface
public interface ProgressListener {
  ProgressListener NONE = (done, total) -> {};

  /**
   * @param done units done so far
   * @param total units in all; the same unit as {@code done} (bytes, or 100 for a percentage)
   */
  void progress(long done, long total);
}
