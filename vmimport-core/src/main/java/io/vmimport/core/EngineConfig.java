package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.guest.GuestConversionPolicy;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Settings of an {@link ImportEngine}.
 *
 * @param scratchDir where disks are staged when their export format must be converted
 * @param scratchCapacityBytes scratch bytes imports may hold at once; 0 for the file system's free
 *     space. A disk that does not fit waits for others, or fails at once if it never could
 * @param maxParallelDisks disks transferred at once, across all imports of this engine
 * @param maxAttempts attempts of a remote call that fails with a retryable error (1 = no retry)
 * @param initialBackoff wait before the second attempt; doubled for each further one
 * @param maxBackoff upper bound of the wait between attempts
 * @param pollInterval how often power state, image and VM status are polled
 * @param powerOffTimeout how long a hard power-off may take before the import fails
 * @param preparationTimeout how long a disk's preparation on the source (snapshot, upload) may take
 * @param keepAliveInterval how often a running export tells the source it is alive
 * @param imageResubmissions how often a failed image is published again before the import fails
 * @param imageReadyTimeout how long the target may take to make published images ready
 * @param vmRunningTimeout how long the created VM may take to run
 * @param cleanupTimeout how long ending an export, or releasing what an earlier one left, may take
 *     on the source (a volume must finish uploading before it can be deleted); what is left then
 *     stays in the checkpoint, for the next run or a discard
 * @param maxExportsPerSourceHost imports of this engine exporting from one source host at once (the
 *     ESXi host of a vSphere VM, an OpenStack endpoint, the web server of an OVA); more wait, told
 *     their place. 0 for no limit; the default, 10, is where VMware's guidance says a host needs
 *     more NFC memory
 * @param guestConversion when imports convert their guest to boot on virtio, unless an import says
 *     otherwise ({@link io.vmimport.api.model.ImportSpec#guestConversion()})
 * @param guestConversionTimeout how long one guest's conversion may take; a conversion that takes
 *     longer is stopped and leaves the disks unchanged
 */
public record EngineConfig(
    Path scratchDir,
    long scratchCapacityBytes,
    int maxParallelDisks,
    int maxAttempts,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration pollInterval,
    Duration powerOffTimeout,
    Duration preparationTimeout,
    Duration keepAliveInterval,
    int imageResubmissions,
    Duration imageReadyTimeout,
    Duration vmRunningTimeout,
    Duration cleanupTimeout,
    int maxExportsPerSourceHost,
    GuestConversionPolicy guestConversion,
    Duration guestConversionTimeout) {
  public EngineConfig {
    requireNonNull(scratchDir, "scratchDir is null");
    if (scratchCapacityBytes < 0) {
      throw new IllegalArgumentException(
          "scratchCapacityBytes is negative: " + scratchCapacityBytes);
    }
    if (maxParallelDisks < 1) {
      throw new IllegalArgumentException(
          "maxParallelDisks must be at least 1: " + maxParallelDisks);
    }
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1: " + maxAttempts);
    }
    requireNonNull(initialBackoff, "initialBackoff is null");
    requireNonNull(maxBackoff, "maxBackoff is null");
    requireNonNull(pollInterval, "pollInterval is null");
    requireNonNull(powerOffTimeout, "powerOffTimeout is null");
    requireNonNull(preparationTimeout, "preparationTimeout is null");
    requireNonNull(keepAliveInterval, "keepAliveInterval is null");
    if (imageResubmissions < 0) {
      throw new IllegalArgumentException("imageResubmissions is negative: " + imageResubmissions);
    }
    requireNonNull(imageReadyTimeout, "imageReadyTimeout is null");
    requireNonNull(vmRunningTimeout, "vmRunningTimeout is null");
    requireNonNull(cleanupTimeout, "cleanupTimeout is null");
    if (maxExportsPerSourceHost < 0) {
      throw new IllegalArgumentException(
          "maxExportsPerSourceHost is negative: " + maxExportsPerSourceHost);
    }
    requireNonNull(guestConversion, "guestConversion is null");
    requireNonNull(guestConversionTimeout, "guestConversionTimeout is null");
    if (guestConversionTimeout.isNegative() || guestConversionTimeout.isZero()) {
      throw new IllegalArgumentException(
          "guestConversionTimeout must be positive: " + guestConversionTimeout);
    }
  }

  /** Defaults for a real source: 4 disks at once, 5 attempts from 2 s, 5 s polling. */
  public static Builder builder(Path scratchDir) {
    return new Builder(scratchDir);
  }

  public Builder toBuilder() {
    Builder builder = new Builder(scratchDir);
    builder.scratchCapacityBytes = scratchCapacityBytes;
    builder.maxParallelDisks = maxParallelDisks;
    builder.maxAttempts = maxAttempts;
    builder.initialBackoff = initialBackoff;
    builder.maxBackoff = maxBackoff;
    builder.pollInterval = pollInterval;
    builder.powerOffTimeout = powerOffTimeout;
    builder.preparationTimeout = preparationTimeout;
    builder.keepAliveInterval = keepAliveInterval;
    builder.imageResubmissions = imageResubmissions;
    builder.imageReadyTimeout = imageReadyTimeout;
    builder.vmRunningTimeout = vmRunningTimeout;
    builder.cleanupTimeout = cleanupTimeout;
    builder.maxExportsPerSourceHost = maxExportsPerSourceHost;
    builder.guestConversion = guestConversion;
    builder.guestConversionTimeout = guestConversionTimeout;
    return builder;
  }

  public static final class Builder {
    private final Path scratchDir;
    private long scratchCapacityBytes;
    private int maxParallelDisks = 4;
    private int maxAttempts = 5;
    private Duration initialBackoff = Duration.ofSeconds(2);
    private Duration maxBackoff = Duration.ofMinutes(1);
    private Duration pollInterval = Duration.ofSeconds(5);
    private Duration powerOffTimeout = Duration.ofMinutes(5);
    private Duration preparationTimeout = Duration.ofHours(2);
    private Duration keepAliveInterval = Duration.ofSeconds(30);
    private int imageResubmissions = 3;
    private Duration imageReadyTimeout = Duration.ofHours(6);
    private Duration vmRunningTimeout = Duration.ofMinutes(15);
    private Duration cleanupTimeout = Duration.ofMinutes(10);
    // VMware: more than 10 VMs exporting from one host needs more NFC memory on it
    private int maxExportsPerSourceHost = 10;
    private GuestConversionPolicy guestConversion = GuestConversionPolicy.AUTO;
    // a small Linux guest takes 5 minutes under TCG; a large one with many kernels much longer
    private Duration guestConversionTimeout = Duration.ofHours(1);

    private Builder(Path scratchDir) {
      this.scratchDir = requireNonNull(scratchDir, "scratchDir is null");
    }

    public Builder scratchCapacityBytes(long value) {
      this.scratchCapacityBytes = value;
      return this;
    }

    public Builder maxParallelDisks(int value) {
      this.maxParallelDisks = value;
      return this;
    }

    public Builder maxAttempts(int value) {
      this.maxAttempts = value;
      return this;
    }

    public Builder initialBackoff(Duration value) {
      this.initialBackoff = value;
      return this;
    }

    public Builder maxBackoff(Duration value) {
      this.maxBackoff = value;
      return this;
    }

    public Builder pollInterval(Duration value) {
      this.pollInterval = value;
      return this;
    }

    public Builder powerOffTimeout(Duration value) {
      this.powerOffTimeout = value;
      return this;
    }

    public Builder preparationTimeout(Duration value) {
      this.preparationTimeout = value;
      return this;
    }

    public Builder keepAliveInterval(Duration value) {
      this.keepAliveInterval = value;
      return this;
    }

    public Builder imageResubmissions(int value) {
      this.imageResubmissions = value;
      return this;
    }

    public Builder imageReadyTimeout(Duration value) {
      this.imageReadyTimeout = value;
      return this;
    }

    public Builder vmRunningTimeout(Duration value) {
      this.vmRunningTimeout = value;
      return this;
    }

    public Builder cleanupTimeout(Duration value) {
      this.cleanupTimeout = value;
      return this;
    }

    /**
     * Imports exporting from one source host at once (an ESXi host, a cloud endpoint, a web
     * server); 0 for no limit.
     */
    public Builder maxExportsPerSourceHost(int value) {
      this.maxExportsPerSourceHost = value;
      return this;
    }

    public Builder guestConversion(GuestConversionPolicy value) {
      this.guestConversion = value;
      return this;
    }

    public Builder guestConversionTimeout(Duration value) {
      this.guestConversionTimeout = value;
      return this;
    }

    public EngineConfig build() {
      return new EngineConfig(
          scratchDir,
          scratchCapacityBytes,
          maxParallelDisks,
          maxAttempts,
          initialBackoff,
          maxBackoff,
          pollInterval,
          powerOffTimeout,
          preparationTimeout,
          keepAliveInterval,
          imageResubmissions,
          imageReadyTimeout,
          vmRunningTimeout,
          cleanupTimeout,
          maxExportsPerSourceHost,
          guestConversion,
          guestConversionTimeout);
    }
  }
}
