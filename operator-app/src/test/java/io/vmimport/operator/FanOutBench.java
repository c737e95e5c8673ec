package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.vmimport.operator.crd.CredentialsReference;
import io.vmimport.operator.crd.VirtualMachineImport;
import io.vmimport.operator.crd.VmwareSource;
import io.vmimport.operator.crd.VmwareSourceSpec;
import io.vmimport.provider.vmware.VcsimWorlds;
import io.vmimport.target.harvester.Crds;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fan-out benchmark of {@code diskWork}: N imports from vcsim at once, with the disk work in
 * the operator's process and in worker Jobs ({@link TestKubelet} runs them, as processes of the
 * built jar), N = 1 and N = 4. Measured: the wall time from creating the imports to all VMs
 * running, and the peak RSS ({@code VmHWM}) of the operator's process, which runs Main from its own
 * JVM as the image does. What it checks: in jobs mode the operator's RSS does not grow with N.
 *
 * <p>Not part of the tests (its name does not end in IT): {@code bench/fanout.sh} runs it. The
 * machine's cores are shared by the operator, the workers, vcsim and the consumer, so the times
 * compare the modes on this machine, not what a cluster of nodes would do.
 */
@EnableKubernetesMockClient(crud = true)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FanOutBench {
  /** Each VM's disk: 256 MiB virtual, 96 MiB of random data. */
  private static final long DISK_BYTES = 256L << 20;

  private static final int DATA_BYTES = 96 << 20;
  private static final Map<String, long[]> RESULTS = new ConcurrentHashMap<>();

  KubernetesClient client;

  @TempDir Path dir;

  @Test
  @Order(1)
  void inProcessOne() throws Exception {
    run("inProcess", 1);
  }

  @Test
  @Order(2)
  void inProcessFour() throws Exception {
    run("inProcess", 4);
  }

  @Test
  @Order(3)
  void jobsOne() throws Exception {
    run("jobs", 1);
  }

  @Test
  @Order(4)
  void jobsFour() throws Exception {
    run("jobs", 4);
    long one = RESULTS.get("jobs 1")[1];
    long four = RESULTS.get("jobs 4")[1];
    assertThat((double) four)
        .as("peak RSS of the operator with 4 imports in jobs mode, against 1 (%d MiB)", one >> 20)
        .isLessThan(one * 1.25);
  }

  @AfterAll
  static void report() {
    StringBuilder table =
        new StringBuilder("\nfan-out  mode       N  wall s  operator peak RSS MiB\n");
    StringBuilder json = new StringBuilder("{");
    for (String key : List.of("inProcess 1", "inProcess 4", "jobs 1", "jobs 4")) {
      long[] r = RESULTS.get(key);
      if (r == null) {
        continue;
      }
      String[] parts = key.split(" ");
      table.append(
          String.format(
              Locale.ROOT,
              "fan-out  %-9s  %s  %6.1f  %d%n",
              parts[0],
              parts[1],
              r[0] / 1000.0,
              r[1] >> 20));
      json.append(json.length() > 1 ? "," : "")
          .append(
              String.format(
                  Locale.ROOT,
                  "\"%s_%s\":{\"wall_s\":%.1f,\"rss_mib\":%d}",
                  parts[0],
                  parts[1],
                  r[0] / 1000.0,
                  r[1] >> 20));
    }
    System.out.println(table);
    System.out.println("fan-out json " + json.append("}"));
  }

  private void run(String mode, int n) throws Exception {
    Crds.assumePresent();
    try (TestCluster cluster = new TestCluster(client, dir);
        VcsimWorlds.Handle vcsim = VcsimWorlds.start(dir.resolve("vcsim"));
        TestKubelet kubelet =
            new TestKubelet(
                client,
                Map.of("/opt/vmimport/", Path.of("target").toAbsolutePath().normalize()),
                List.of(
                    new TestKubelet.Node("node-1", Map.of()),
                    new TestKubelet.Node("node-2", Map.of())),
                dir.resolve("kubelet"))) {
      List<String> vms = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String vm = "fan" + i;
        Path raw = dir.resolve(vm + ".raw");
        OperatorVmwareIT.writeRandom(raw, DISK_BYTES, DATA_BYTES, 500 + i);
        vcsim.addVm(vm, raw);
        Files.delete(raw);
        vms.add(vm);
      }
      cluster.applySecret("vcsim-creds", vcsim.sourceWithCa().credentials().data());
      VmwareSource source = new VmwareSource();
      source.setMetadata(new ObjectMetaBuilder().withName("vcsim").withNamespace(NS).build());
      VmwareSourceSpec spec = new VmwareSourceSpec();
      spec.endpoint = vcsim.endpoint();
      spec.dc = vcsim.sourceWithCa().settings().get("dc");
      spec.credentials = new CredentialsReference();
      spec.credentials.name = "vcsim-creds";
      spec.credentials.namespace = NS;
      source.setSpec(spec);
      client.resources(VmwareSource.class).inNamespace(NS).resource(source).create();

      Map<String, String> env = new java.util.HashMap<>();
      env.put("JAVA_TOOL_OPTIONS", "-Xmx1g");
      env.put("VMIMPORT_MAX_CONCURRENT_IMPORTS", String.valueOf(n));
      env.put("VMIMPORT_GUEST_CONVERSION", "never");
      env.put("VMIMPORT_DISK_WORK", mode);
      if (mode.equals("jobs")) {
        env.put("VMIMPORT_WORKER_NAMESPACE", NS);
        env.put("VMIMPORT_WORKER_IMAGE", "vmimport/vmimport-operator:bench");
        env.put("VMIMPORT_WORKER_SERVICE_ACCOUNT", "vmimport-worker");
      }
      Process operator =
          cluster.startOperatorProcess(dir.resolve("operator-" + mode + n + ".log"), env);
      try {
        long start = System.nanoTime();
        for (String vm : vms) {
          VirtualMachineImport vmi =
              TestCluster.importOf("import-" + vm, "VmwareSource", "vcsim", vm, null);
          vmi.getSpec().folder = "Migrate";
          cluster.apply(vmi);
        }
        for (String vm : vms) {
          cluster.awaitStatus("import-" + vm, "virtualMachineRunning");
        }
        long wall = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        long rss = peakRss(operator.pid());
        RESULTS.put(mode + " " + n, new long[] {wall, rss});
        System.out.printf(
            Locale.ROOT,
            "fan-out %s N=%d: %d ms, operator peak RSS %d MiB%n",
            mode,
            n,
            wall,
            rss >> 20);
      } finally {
        operator.destroy();
        operator.waitFor(30, TimeUnit.SECONDS);
      }
    }
  }

  /** The peak resident set size of a process, from {@code /proc/<pid>/status} (VmHWM). */
  private static long peakRss(long pid) throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
      }
    }
    throw new AssertionError("no VmHWM in /proc/" + pid + "/status");
  }
}
