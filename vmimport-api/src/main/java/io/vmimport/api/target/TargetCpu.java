package io.vmimport.api.target;

/** CPU topology of the target VM. */
public record TargetCpu(int sockets, int cores, int threads) {
  public TargetCpu {
    if (sockets < 1 || cores < 1 || threads < 1) {
      throw new IllegalArgumentException(
          "sockets, cores and threads must be at least 1: "
              + sockets
              + "/"
              + cores
              + "/"
              + threads);
    }
  }

  public int vcpus() {
    return sockets * cores * threads;
  }
}
