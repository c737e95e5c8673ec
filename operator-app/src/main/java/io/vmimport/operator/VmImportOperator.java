package io.vmimport.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.vmimport.core.CheckpointStore;
import io.vmimport.core.Converters;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.GuestConverters;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.TimeSource;
import io.vmimport.operator.crd.OpenstackSource;
import io.vmimport.operator.crd.OvaSource;
import io.vmimport.operator.crd.VmwareSource;
import io.vmimport.operator.internal.AnnotationCheckpointStore;
import io.vmimport.operator.internal.Events;
import io.vmimport.operator.internal.HealthServer;
import io.vmimport.operator.internal.ImportReconciler;
import io.vmimport.operator.internal.JobDiskWorkers;
import io.vmimport.operator.internal.OpenstackSourceReconciler;
import io.vmimport.operator.internal.OperatorMetrics;
import io.vmimport.operator.internal.OvaSourceReconciler;
import io.vmimport.operator.internal.PluginSourceWatch;
import io.vmimport.operator.internal.SourceChecker;
import io.vmimport.operator.internal.SourceKind;
import io.vmimport.operator.internal.SourceKinds;
import io.vmimport.operator.internal.SourceResolver;
import io.vmimport.operator.internal.VmwareSourceReconciler;
import io.vmimport.operator.internal.WorkerJobSpec;
import io.vmimport.target.harvester.HarvesterTarget;
import io.vmimport.target.harvester.ImageServer;
import io.vmimport.target.harvester.ImageServerConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator: reconcilers for the four migration.harvesterhci.io kinds on java-operator-sdk,
 * watches of the source kinds of third-party providers on the class path, the import engine, the
 * Harvester target with its image server, and an HTTP endpoint for health and metrics. {@link
 * #close()} suspends running imports so that the next process continues them.
 */
public final class VmImportOperator implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(VmImportOperator.class);

  private final OperatorConfig config;
  private final Operator operator;
  private final ImportEngine engine;
  private final ImageServer imageServer;
  private final ImportReconciler imports;
  private final PluginSourceWatch pluginSources;
  private final ExecutorService sourceChecks;
  private final ScheduledExecutorService scheduler;
  private final OperatorMetrics metrics = new OperatorMetrics();
  private final HealthServer metricsServer;
  private final HealthServer probeServer;
  private final String identity;
  private final java.util.concurrent.atomic.AtomicBoolean closing =
      new java.util.concurrent.atomic.AtomicBoolean();
  // without leader election every process leads
  private final java.util.concurrent.atomic.AtomicBoolean leading;

  private VmImportOperator(OperatorConfig config, KubernetesClient client) {
    this.config = config;
    this.leading = new java.util.concurrent.atomic.AtomicBoolean(config.leaderElection().isEmpty());
    // unique per process: two pods (or two operators in one test) must not share a Lease identity
    this.identity =
        Optional.ofNullable(System.getenv("HOSTNAME")).orElse("vmimport-operator")
            + "-"
            + java.util.UUID.randomUUID().toString().substring(0, 8);
    try {
      Files.createDirectories(config.scratchDir());
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create the scratch directory " + config.scratchDir(), e);
    }
    Clock clock = Clock.systemUTC();
    CheckpointStore checkpoints = new AnnotationCheckpointStore(client);
    ProviderRegistry providers = ProviderRegistry.load();
    SourceKinds kinds =
        SourceKinds.discover(
            List.of(
                SourceKind.of(VmwareSource.class),
                SourceKind.of(OpenstackSource.class),
                SourceKind.of(OvaSource.class)),
            providers);
    this.engine =
        new ImportEngine(
            providers,
            Converters.load(),
            GuestConverters.load(),
            checkpoints,
            EngineConfig.builder(config.scratchDir())
                .maxParallelDisks(config.maxParallelDisks())
                .maxExportsPerSourceHost(config.maxExportsPerSourceHost())
                .guestConversion(config.guestConversion())
                .build(),
            TimeSource.SYSTEM,
            config
                .diskWorkers()
                .map(settings -> new JobDiskWorkers(client, new WorkerJobSpec(settings), kinds)));
    this.imageServer =
        ImageServer.start(
            new ImageServerConfig(
                config.imageServerBind(),
                config.imageServerUrl(),
                Optional.empty(),
                config.imageServerLimits()));
    HarvesterTarget target = new HarvesterTarget(client, imageServer, config.scratchDir());
    this.sourceChecks = Executors.newFixedThreadPool(4, daemon("vmimport-source-check"));
    this.scheduler = Executors.newScheduledThreadPool(2, daemon("vmimport-status"));
    SourceResolver resolver = new SourceResolver(client, config.namespacePolicy());
    Events events = new Events(client, clock);
    this.imports =
        new ImportReconciler(
            client,
            engine,
            target,
            resolver,
            kinds,
            events,
            metrics,
            scheduler,
            new ImportReconciler.Settings(
                config.maxConcurrentImports(), config.statusInterval(), config.waitInterval()),
            clock);

    this.operator =
        new Operator(
            overrider -> {
              overrider
                  .withKubernetesClient(client)
                  // the API server mock has no server-side apply; plain patches work everywhere
                  .withUseSSAToPatchPrimaryResource(false)
                  .withCloseClientOnStop(false)
                  .withStopOnInformerErrorDuringStartup(true);
              config
                  .leaderElection()
                  .ifPresent(
                      ns ->
                          overrider.withLeaderElectionConfiguration(
                              new LeaderElectionConfiguration(
                                  OperatorConfig.LEASE_NAME,
                                  ns,
                                  LeaderElectionConfiguration.LEASE_DURATION_DEFAULT_VALUE,
                                  LeaderElectionConfiguration.RENEW_DEADLINE_DEFAULT_VALUE,
                                  LeaderElectionConfiguration.RETRY_PERIOD_DEFAULT_VALUE,
                                  identity,
                                  new LeaderCallbacks(
                                      () -> {
                                        leading.set(true);
                                        log.info("{} leads", identity);
                                        startPluginSources();
                                      },
                                      this::lostLeadership,
                                      leader -> log.info("the leader is {}", leader)),
                                  // not JOSDK's System.exit: it would hang when close() runs in
                                  // a shutdown hook; lostLeadership() exits itself
                                  false)));
            });
    SourceChecker checker =
        new SourceChecker(
            client, engine, resolver, sourceChecks, config.sourceRecheckInterval(), clock);
    register(new VmwareSourceReconciler(checker));
    register(new OpenstackSourceReconciler(checker));
    register(new OvaSourceReconciler(checker));
    register(imports);
    this.pluginSources =
        new PluginSourceWatch(client, kinds.plugins(), config.namespaces(), checker);
    this.metricsServer =
        HealthServer.start(
            "metrics",
            new InetSocketAddress(config.httpPort()),
            Map.of("/metrics", () -> new HealthServer.Reply(200, metrics.scrape())),
            HealthServer.Limits.DEFAULTS);
    this.probeServer =
        HealthServer.start(
            "probes",
            new InetSocketAddress(config.probePort()),
            Map.of("/healthz", VmImportOperator::live, "/readyz", this::ready),
            HealthServer.Limits.DEFAULTS);
  }

  /** Starts the operator; returns once its informers are synced (or leadership is awaited). */
  public static VmImportOperator start(OperatorConfig config, KubernetesClient client) {
    VmImportOperator started = new VmImportOperator(config, client);
    try {
      started.pluginSources.verifyInstalled();
      started.operator.start();
      if (config.leaderElection().isEmpty()) {
        started.pluginSources.start();
      }
    } catch (RuntimeException e) {
      started.close();
      throw e;
    }
    log.info(
        "operator started: namespaces {}, {} import(s) and {} disk(s) at once, image server on"
            + " port {}, metrics on port {}, probes on port {}",
        config.namespaces().isEmpty() ? "all" : config.namespaces(),
        config.maxConcurrentImports(),
        config.maxParallelDisks(),
        started.imageServer.port(),
        started.metricsServer.port(),
        started.probeServer.port());
    return started;
  }

  private <R extends io.fabric8.kubernetes.api.model.HasMetadata> void register(
      Reconciler<R> reconciler) {
    Consumer<ControllerConfigurationOverrider<R>> overrides =
        o -> {
          if (!config.namespaces().isEmpty()) {
            o.settingNamespaces(config.namespaces());
          }
        };
    operator.register(reconciler, overrides);
  }

  /**
   * The watches of plugin kinds start with the leadership, as java-operator-sdk's controllers do;
   * when they cannot, this process exits as when it loses the leadership.
   */
  private void startPluginSources() {
    try {
      pluginSources.start();
    } catch (RuntimeException e) {
      log.error("{} leads but cannot watch the plugin source kinds; exiting", identity, e);
      lostLeadership();
    }
  }

  /** This process's identity in the leader election Lease. */
  public String identity() {
    return identity;
  }

  /** Where {@code /metrics} is served. */
  public int httpPort() {
    return metricsServer.port();
  }

  /** Where {@code /healthz} and {@code /readyz} are served. */
  public int probePort() {
    return probeServer.port();
  }

  public int imageServerPort() {
    return imageServer.port();
  }

  /** Imports running in this process. */
  public int runningImports() {
    return imports.runningImports();
  }

  /** {@code /healthz}: the process answers. Not leadership: a standby is alive, and needed. */
  private static HealthServer.Reply live() {
    return new HealthServer.Reply(200, "ok\n");
  }

  /**
   * {@code /readyz}: whether this pod should get the Service's traffic, which is image downloads.
   * Only the leader serves images (a standby answers 404 to every token), so a standby is not
   * ready: readiness decides which pods are the Service's endpoints.
   */
  private HealthServer.Reply ready() {
    String missing;
    if (closing.get()) {
      missing = "stopping";
    } else if (!leading.get()) {
      missing = "not the leader: another replica serves images";
    } else if (!operator.getRuntimeInfo().isStarted()
        || !operator.getRuntimeInfo().allEventSourcesAreHealthy()
        || !pluginSources.healthy()) {
      missing = "watches not started or unhealthy";
    } else if (!imageServer.listening()) {
      missing = "the image server is not listening";
    } else {
      return new HealthServer.Reply(200, "ready\n");
    }
    return new HealthServer.Reply(503, "not ready: " + missing + "\n");
  }

  /**
   * Another process took the Lease while this one still runs (a network partition, a long pause):
   * suspend and exit, so that the pod restarts as a standby instead of importing twice.
   */
  private void lostLeadership() {
    leading.set(false);
    if (closing.get()) {
      return;
    }
    log.error("{} lost the leadership; suspending imports and exiting", identity);
    Thread exit =
        new Thread(
            () -> {
              close();
              System.exit(1);
            },
            "vmimport-lost-leadership");
    exit.start();
  }

  /**
   * Stops reconciling and suspends running imports: their source artifacts are released, finished
   * disks and checkpoints stay, and the next operator process continues them. Idempotent.
   */
  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      return;
    }
    log.info("stopping: suspending {} running import(s)", imports.runningImports());
    operator.stop();
    pluginSources.close();
    imports.suspendAll(Duration.ofSeconds(60));
    metricsServer.close();
    probeServer.close();
    imageServer.close();
    sourceChecks.shutdownNow();
    scheduler.shutdownNow();
    engine.close();
  }

  private static ThreadFactory daemon(String prefix) {
    AtomicInteger counter = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + counter.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }
}
