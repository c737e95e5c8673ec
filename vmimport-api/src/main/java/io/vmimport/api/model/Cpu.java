package io.vmimport.api.model;

/**
 * The CPU of a source VM as the source reports it.
 *
 * @param vcpus the total number of virtual CPUs (vSphere {@code numCPU}, a flavor's vCPUs)
 * @param coresPerSocket cores per virtual socket; {@code 1} when the source has no such notion
 */
public record Cpu(int vcpus, int coresPerSocket) {
  public Cpu {
    if (vcpus < 1) {
      throw new IllegalArgumentException("vcpus must be at least 1: " + vcpus);
    }
    if (coresPerSocket < 1) {
      throw new IllegalArgumentException("coresPerSocket must be at least 1: " + coresPerSocket);
    }
  }

  /**
   * Sockets in the source topology. When {@code vcpus} is not a multiple of {@code coresPerSocket}
   * (an inconsistent source), each vCPU counts as one socket so that no vCPU is lost.
   */
  public int sockets() {
    return vcpus % coresPerSocket == 0 ? vcpus / coresPerSocket : vcpus;
  }

  /** Cores per socket consistent with {@link #sockets()}. */
  public int effectiveCoresPerSocket() {
    return vcpus % coresPerSocket == 0 ? coresPerSocket : 1;
  }
}
