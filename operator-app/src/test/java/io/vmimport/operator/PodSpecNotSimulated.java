package io.vmimport.operator;

/**
 * A pod spec the test kubelet does not simulate (a volume type, {@code envFrom}, an affinity
 * operator...). The kubelet refuses it loudly, through {@link TestKubelet#assertHealthy()}, rather
 * than run something else than the spec says.
 */
final class PodSpecNotSimulated extends RuntimeException {
  private static final long serialVersionUID = 1L;

  PodSpecNotSimulated(String message) {
    super(message);
  }
}
