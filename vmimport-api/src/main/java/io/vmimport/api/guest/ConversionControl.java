package io.vmimport.api.guest;

/**
 * The caller's side of one running inspection or conversion: it asks whether to stop and hears how
 * far the work is. Called on the converter's threads; implementations must be thread-safe and
 * quick.
 */
public interface ConversionControl {
  ConversionControl NONE =
      new ConversionControl() {
        @Override
        public boolean cancelled() {
          return false;
        }

        @Override
        public void progress(String stage, int percent) {}
      };

  /** Whether the work should stop now; a converter polls it at least once a second. */
  boolean cancelled();

  /**
   * @param stage what the converter is doing, in its own words (e.g. "Converting Debian GNU/Linux
   *     12 to run on KVM")
   * @param percent 0 to 100 within the whole conversion, or -1 when the tool does not say
   */
  void progress(String stage, int percent);
}
