package io.vmimport.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The operator's entry point: configuration from {@code VMIMPORT_*} variables. */
public final class Main {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  private Main() {}

  public static void main(String[] args) throws InterruptedException {
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(System.getenv());
    } catch (IllegalArgumentException e) {
      System.err.println("vmimport-operator: " + e.getMessage());
      System.exit(2);
      return;
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    VmImportOperator operator;
    try {
      operator = VmImportOperator.start(config, client);
    } catch (RuntimeException e) {
      log.error(
          "cannot start: {}. Check that the Kubernetes API at {} is reachable, that the"
              + " migration.harvesterhci.io CRDs are installed (charts/vmimport-operator/crds)"
              + " and that the service account may list and watch them (the chart's RBAC)",
          rootCause(e),
          client.getMasterUrl(),
          e);
      client.close();
      System.exit(1);
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  log.info("shutdown requested");
                  operator.close();
                  client.close();
                  stopped.countDown();
                },
                "vmimport-shutdown"));
    stopped.await();
  }

  private static String rootCause(Throwable e) {
    Throwable cause = e;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause == e ? e.toString() : e.getMessage() + ", caused by " + cause;
  }
}
