package io.vmimport.operator;

import static io.vmimport.operator.TestCluster.NS;
import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.vmimport.target.harvester.Crds;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The kubelet's view of the operator: {@code /healthz} and {@code /readyz} on the probe port, on
 * the mock API server. No source is needed: what matters is that the probes answer whatever other
 * clients do, and that only the replica serving images is ready for the Service's traffic.
 */
@EnableKubernetesMockClient(crud = true)
class OperatorProbesIT {
  KubernetesClient client;
  KubernetesMockServer server;

  @TempDir Path dir;
  private TestCluster cluster;
  private final List<VmImportOperator> operators = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    Crds.assumePresent(); // before anything starts, so that the tear-down has nothing to stop
    cluster = new TestCluster(client, dir);
  }

  @AfterEach
  void tearDown() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    VmImportOperator last = operators.isEmpty() ? null : operators.remove(operators.size() - 1);
    operators.forEach(VmImportOperator::close);
    if (cluster != null) {
      cluster.stopOperatorCheckRbacAndClose(last);
    }
  }

  @Test
  void aHalfSentRequestDoesNotHoldUpTheProbesOrTheMetrics() throws Exception {
    VmImportOperator operator = start(Optional.empty());
    Socket probes = halfSent(operator.probePort(), "/healthz");
    Socket metrics = halfSent(operator.httpPort(), "/metrics");

    HttpResponse<String> health = cluster.ask(operator, "/healthz");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(health.body()).isEqualTo("ok\n");
    HttpResponse<String> ready = cluster.ask(operator, "/readyz");
    assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
    assertThat(cluster.ask(operator, "/metrics").body()).contains("vmimport_imports");

    // and the server lets go of the half-sent requests
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    assertThat(closedByServer(probes, deadline)).as("the half-sent probe closed").isTrue();
    assertThat(closedByServer(metrics, deadline)).as("the half-sent scrape closed").isTrue();
  }

  @Test
  void aStandbyIsAliveButNotReadyForImageDownloadsUntilItLeads() throws Exception {
    // java-operator-sdk asks the API server whether it may use Leases; the mock's CRUD mode does
    // not answer SelfSubjectRulesReviews, so this plays the API server's answer with the chart's
    // RBAC
    server
        .expect()
        .post()
        .withPath("/apis/authorization.k8s.io/v1/selfsubjectrulesreviews")
        .andReturn(201, cluster.chartsRulesReview())
        .always();
    VmImportOperator leader = start(Optional.of(NS));
    await(() -> leader.identity().equals(leaseHolder()), "the first operator holds the Lease");
    VmImportOperator standby = start(Optional.of(NS));
    await(() -> cluster.ask(leader, "/readyz").statusCode() == 200, "the leader is ready");

    HttpResponse<String> standbyReady = cluster.ask(standby, "/readyz");
    assertThat(standbyReady.statusCode())
        .as("a standby answers 404 to every image token: no Service traffic for it")
        .isEqualTo(503);
    assertThat(standbyReady.body()).contains("not the leader");
    assertThat(cluster.ask(standby, "/healthz").statusCode())
        .as("a standby is alive: the kubelet must not restart it")
        .isEqualTo(200);

    leader.close();
    operators.remove(leader);
    await(
        () -> cluster.ask(standby, "/readyz").statusCode() == 200,
        "the standby is ready once it leads");
  }

  private VmImportOperator start(Optional<String> leaseNamespace) {
    VmImportOperator operator = cluster.startOperator(leaseNamespace);
    operators.add(operator);
    return operator;
  }

  private String leaseHolder() {
    var lease = client.leases().inNamespace(NS).withName(OperatorConfig.LEASE_NAME).get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  /** A connection that sends the start of a GET for {@code path} and then nothing. */
  private Socket halfSent(int port, String path) throws IOException {
    Socket socket = new Socket();
    sockets.add(socket);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: 127").getBytes(US_ASCII));
    socket.getOutputStream().flush();
    return socket;
  }

  /** Whether the server closed {@code socket} (end of stream or reset) before {@code deadline}. */
  private static boolean closedByServer(Socket socket, long deadline) throws IOException {
    socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    try {
      while (socket.getInputStream().read() >= 0) {
        // an answer to half a request would be odd, but only the close is asked about
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (SocketException e) {
      return true;
    }
  }

  private static void await(Callable<Boolean> condition, String what) throws Exception {
    long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (!Boolean.TRUE.equals(condition.call())) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within 90 s: " + what);
      }
      Thread.sleep(200);
    }
  }
}
