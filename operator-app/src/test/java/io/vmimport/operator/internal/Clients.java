package io.vmimport.operator.internal;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;

/** Clients for tests of what happens when the API server refuses calls. */
final class Clients {
  private Clients() {}

  /**
   * A client of {@code client}'s server that repeats a refused request (429, 5xx, I/O) once, at
   * once: fabric8's own retries (10, over about 20 seconds, by default) would otherwise hide what
   * the operator does when an outage outlasts them, or make the test wait that long.
   */
  static KubernetesClient withFewRetries(KubernetesClient client) {
    return new KubernetesClientBuilder()
        .withConfig(
            new ConfigBuilder(client.getConfiguration())
                .withRequestRetryBackoffLimit(1)
                .withRequestRetryBackoffInterval(1)
                .build())
        .build();
  }
}
