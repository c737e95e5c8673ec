package io.vmimport.tck;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Cpu;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.Firmware;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.CleanupStep;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.ReleaseStep;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory provider, correct unless given a {@link Flaw}. Each nested subclass is one kind,
 * registered in the test class path's services file, so the kit's self-test can run the suites
 * against a provider with exactly one defect.
 */
abstract class FakeSourceProvider implements SourceProvider {
  enum Flaw {
    NONE,
    AUTH_FAILURE_AS_UNAVAILABLE,
    PASSWORD_IN_MESSAGE,
    UNSTABLE_DISK_KEYS,
    CORRUPTS_DISK,
    LEAKS_ON_ABORT,
    IGNORES_CLOSE,
    CLAIMS_GUEST_SHUTDOWN,
    FORGETS_ARTIFACTS,
    RELEASE_FAILS_WHEN_GONE,
    RELEASES_ANY_OWNERS,
    SENDS_CREDENTIALS_IN_CLEAR,
    /** Waits in abort() until the source has settled, as providers did before cleanup steps. */
    WAITS_IN_CLEANUP
  }

  /** How long a provider {@link Flaw#WAITS_IN_CLEANUP}: beyond the fixture's step limit. */
  static final Duration CLEANUP_WAIT = FakeFixture.CLEANUP_STEP_LIMIT.multipliedBy(4);

  private static final AtomicLong KEY_GENERATION = new AtomicLong();

  private final String kind;
  private final Flaw flaw;
  // ends exports and releases leftovers in several steps instead of one call
  private final boolean inSteps;

  FakeSourceProvider(String kind, Flaw flaw) {
    this(kind, flaw, false);
  }

  FakeSourceProvider(String kind, Flaw flaw, boolean inSteps) {
    this.kind = requireNonNull(kind, "kind is null");
    this.flaw = requireNonNull(flaw, "flaw is null");
    this.inSteps = inSteps;
  }

  public static final class Honest extends FakeSourceProvider {
    public Honest() {
      super("fake-honest", Flaw.NONE);
    }
  }

  /** Correct, and ends exports and releases leftovers step by step, as a cloud provider does. */
  public static final class HonestInSteps extends FakeSourceProvider {
    public HonestInSteps() {
      super("fake-honest-in-steps", Flaw.NONE, true);
    }
  }

  public static final class WaitsInCleanup extends FakeSourceProvider {
    public WaitsInCleanup() {
      super("fake-waits-in-cleanup", Flaw.WAITS_IN_CLEANUP);
    }
  }

  public static final class AuthFailureAsUnavailable extends FakeSourceProvider {
    public AuthFailureAsUnavailable() {
      super("fake-auth-unavailable", Flaw.AUTH_FAILURE_AS_UNAVAILABLE);
    }
  }

  public static final class PasswordInMessage extends FakeSourceProvider {
    public PasswordInMessage() {
      super("fake-password-leak", Flaw.PASSWORD_IN_MESSAGE);
    }
  }

  public static final class UnstableDiskKeys extends FakeSourceProvider {
    public UnstableDiskKeys() {
      super("fake-unstable-keys", Flaw.UNSTABLE_DISK_KEYS);
    }
  }

  public static final class CorruptsDisk extends FakeSourceProvider {
    public CorruptsDisk() {
      super("fake-corrupt", Flaw.CORRUPTS_DISK);
    }
  }

  public static final class LeaksOnAbort extends FakeSourceProvider {
    public LeaksOnAbort() {
      super("fake-leak", Flaw.LEAKS_ON_ABORT);
    }
  }

  public static final class IgnoresClose extends FakeSourceProvider {
    public IgnoresClose() {
      super("fake-ignores-close", Flaw.IGNORES_CLOSE);
    }
  }

  public static final class ClaimsGuestShutdown extends FakeSourceProvider {
    public ClaimsGuestShutdown() {
      super("fake-claims-shutdown", Flaw.CLAIMS_GUEST_SHUTDOWN);
    }
  }

  public static final class ForgetsArtifacts extends FakeSourceProvider {
    public ForgetsArtifacts() {
      super("fake-forgets-artifacts", Flaw.FORGETS_ARTIFACTS);
    }
  }

  public static final class ReleaseFailsWhenGone extends FakeSourceProvider {
    public ReleaseFailsWhenGone() {
      super("fake-release-fails-when-gone", Flaw.RELEASE_FAILS_WHEN_GONE);
    }
  }

  public static final class ReleasesAnyOwners extends FakeSourceProvider {
    public ReleasesAnyOwners() {
      super("fake-releases-any-owners", Flaw.RELEASES_ANY_OWNERS);
    }
  }

  public static final class SendsCredentialsInClear extends FakeSourceProvider {
    public SendsCredentialsInClear() {
      super("fake-sends-in-clear", Flaw.SENDS_CREDENTIALS_IN_CLEAR);
    }
  }

  /** Registered twice in the services file: discovery must notice. */
  public static final class Twin extends FakeSourceProvider {
    public Twin() {
      super("fake-twin", Flaw.NONE);
    }
  }

  /** A second provider claiming the kind of {@link Twin}. */
  public static final class OtherTwin extends FakeSourceProvider {
    public OtherTwin() {
      super("fake-twin", Flaw.NONE);
    }
  }

  @Override
  public String kind() {
    return kind;
  }

  @Override
  public Set<Capability> capabilities() {
    return flaw == Flaw.NONE
        ? Set.of(
            Capability.GUEST_SHUTDOWN, Capability.HARD_POWER_OFF, Capability.PARALLEL_DISK_EXPORT)
        : Set.of(Capability.GUEST_SHUTDOWN);
  }

  @Override
  public SourceSession open(SourceSpec spec) {
    if (spec.setting("unreachable").isPresent()) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "connection refused");
    }
    FakeSource source = FakeSource.named(spec.requireSetting("source"));
    String password = spec.credentials().get("password").orElse("");
    Optional<String> endpoint = spec.setting("endpoint");
    if (endpoint.isPresent() && endpoint.get().startsWith("http://")) {
      if (flaw != Flaw.SENDS_CREDENTIALS_IN_CLEAR) {
        throw new VmImportException(
            ErrorCode.INVALID_SPEC, "spec.endpoint: http:// would send the password in clear");
      }
      logInOverPlainHttp(URI.create(endpoint.get()), password);
    }
    if (!password.equals(source.password)) {
      String message =
          flaw == Flaw.PASSWORD_IN_MESSAGE ? "password " + password + " rejected" : "rejected";
      throw new VmImportException(
          flaw == Flaw.AUTH_FAILURE_AS_UNAVAILABLE
              ? ErrorCode.SOURCE_UNAVAILABLE
              : ErrorCode.AUTHENTICATION_FAILED,
          message);
    }
    return new Session(source);
  }

  /** What the flawed provider does: posts the password to the endpoint as it is. */
  private static void logInOverPlainHttp(URI endpoint, String password) {
    try (Socket socket = new Socket(endpoint.getHost(), endpoint.getPort())) {
      byte[] body = ("{\"password\":\"" + password + "\"}").getBytes(StandardCharsets.UTF_8);
      OutputStream out = socket.getOutputStream();
      out.write(
          ("POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: " + body.length + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      socket.getInputStream().readAllBytes();
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot log in: " + e, e);
    }
    throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "the endpoint answered 503");
  }

  private final class Session
      implements SourceSession, SourceValidator, VmInventory, PowerControl, DiskExporter {
    private final FakeSource source;

    Session(FakeSource source) {
      this.source = source;
    }

    @Override
    public SourceValidator validator() {
      return this;
    }

    @Override
    public VmInventory inventory() {
      return this;
    }

    @Override
    public PowerControl power() {
      return this;
    }

    @Override
    public DiskExporter exporter() {
      return this;
    }

    @Override
    public void close() {}

    @Override
    public List<ValidationIssue> checkSource() {
      return List.of();
    }

    @Override
    public List<ValidationIssue> preflight(ImportSpec spec) {
      if (!source.vms.containsKey(spec.virtualMachineName())) {
        return List.of(
            ValidationIssue.error(
                ErrorCode.NOT_FOUND,
                "spec.virtualMachineName",
                "VM '" + spec.virtualMachineName() + "' not found"));
      }
      return List.of();
    }

    @Override
    public SourceVm describe(VmLocator locator) {
      FakeSource.FakeVm vm = vm(locator.nameOrId());
      List<SourceDisk> disks = new ArrayList<>();
      for (String key : new TreeSet<>(vm.disks.keySet())) {
        String reported =
            flaw == Flaw.UNSTABLE_DISK_KEYS ? key + "#" + KEY_GENERATION.incrementAndGet() : key;
        disks.add(SourceDisk.of(disks.size(), reported, key, vm.disks.get(key).length));
      }
      return new SourceVm(
          vm.id,
          locator.nameOrId(),
          new Cpu(2, 1),
          1024,
          Firmware.BIOS,
          disks,
          List.of(),
          Optional.empty(),
          Optional.empty());
    }

    @Override
    public List<String> list() {
      return List.copyOf(new TreeSet<>(source.vms.keySet()));
    }

    @Override
    public PowerState state(SourceVm vm) {
      return vm(vm.name()).power;
    }

    @Override
    public void shutdownGuest(SourceVm vm) {
      if (flaw == Flaw.CLAIMS_GUEST_SHUTDOWN) {
        PowerControl.super.shutdownGuest(vm);
      }
      vm(vm.name()).power = PowerState.OFF;
    }

    @Override
    public void powerOff(SourceVm vm) {
      vm(vm.name()).power = PowerState.OFF;
    }

    @Override
    public ExportSession begin(SourceVm vm, ArtifactOwner owner) {
      if (vm(vm.name()).power != PowerState.OFF) {
        throw new VmImportException(ErrorCode.NOT_SUPPORTED, "VM is running");
      }
      String lease = "lease:" + vm.name();
      source.artifacts.add(lease);
      source.owners.put(lease, owner.uid());
      return new Export(source, vm, lease);
    }

    @Override
    public List<UnownedArtifact> release(List<SourceArtifact> leftovers, ArtifactOwner owner) {
      List<UnownedArtifact> unowned = new ArrayList<>();
      for (SourceArtifact leftover : leftovers) {
        String key = leftover.kind() + ":" + leftover.id();
        if (source.artifacts.contains(key)
            && !owner.owns(source.owners.get(key))
            && flaw != Flaw.RELEASES_ANY_OWNERS) {
          unowned.add(new UnownedArtifact(leftover, "not marked with " + owner.uid()));
          continue;
        }
        boolean removed = source.artifacts.remove(key);
        if (!removed && flaw == Flaw.RELEASE_FAILS_WHEN_GONE) {
          throw new VmImportException(ErrorCode.CLEANUP_FAILED, "no " + leftover);
        }
      }
      return unowned;
    }

    /** One leftover per step, the newest first, when the provider ends things in steps. */
    @Override
    public ReleaseStep releaseStep(List<SourceArtifact> leftovers, ArtifactOwner owner) {
      if (!inSteps || leftovers.isEmpty()) {
        return DiskExporter.super.releaseStep(leftovers, owner);
      }
      SourceArtifact newest = leftovers.get(leftovers.size() - 1);
      List<UnownedArtifact> unowned = release(List.of(newest), owner);
      List<SourceArtifact> rest = leftovers.subList(0, leftovers.size() - 1);
      return rest.isEmpty()
          ? ReleaseStep.done(unowned)
          : ReleaseStep.pending(rest, unowned, Duration.ZERO, newest + " released");
    }

    private FakeSource.FakeVm vm(String name) {
      FakeSource.FakeVm vm = source.vms.get(name);
      if (vm == null) {
        throw new VmImportException(ErrorCode.NOT_FOUND, "VM '" + name + "' not found");
      }
      return vm;
    }
  }

  private final class Export implements ExportSession {
    private final FakeSource source;
    private final SourceVm vm;
    private final String lease;
    private volatile boolean ending;

    Export(FakeSource source, SourceVm vm, String lease) {
      this.source = source;
      this.vm = vm;
      this.lease = lease;
    }

    @Override
    public Preparation prepare(SourceDisk disk) {
      return Preparation.ready();
    }

    @Override
    public DiskStream open(SourceDisk disk) {
      byte[] bytes = source.vms.get(vm.name()).disks.get(disk.key());
      if (bytes == null) {
        throw new VmImportException(ErrorCode.NOT_FOUND, "no disk " + disk.key());
      }
      byte[] sent = bytes.clone();
      if (flaw == Flaw.CORRUPTS_DISK) {
        sent[sent.length / 2] ^= 1;
      }
      InputStream input =
          flaw == Flaw.IGNORES_CLOSE
              ? new ByteArrayInputStream(sent)
              : new ClosableByteStream(sent);
      return new DiskStream(input, DiskFormat.RAW, OptionalLong.of(sent.length));
    }

    @Override
    public List<SourceArtifact> artifacts() {
      if (flaw == Flaw.FORGETS_ARTIFACTS || !source.artifacts.contains(lease)) {
        return List.of();
      }
      return List.of(new SourceArtifact("lease", vm.name()));
    }

    @Override
    public void complete() {
      source.artifacts.remove(lease);
    }

    @Override
    public void abort() {
      if (flaw == Flaw.WAITS_IN_CLEANUP) {
        try {
          Thread.sleep(CLEANUP_WAIT.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new VmImportException(ErrorCode.CLEANUP_FAILED, "interrupted", e);
        }
      }
      if (flaw != Flaw.LEAKS_ON_ABORT) {
        source.artifacts.remove(lease);
      }
    }

    /** In steps: the first says the lease is still ending on the source, the next removes it. */
    @Override
    public CleanupStep completeStep() {
      return inSteps ? endStep(this::complete) : ExportSession.super.completeStep();
    }

    @Override
    public CleanupStep abortStep() {
      return inSteps ? endStep(this::abort) : ExportSession.super.abortStep();
    }

    private CleanupStep endStep(Runnable end) {
      if (source.artifacts.contains(lease) && !ending) {
        ending = true;
        return CleanupStep.pending(Duration.ofMillis(20), "lease " + lease + " ending");
      }
      end.run();
      return CleanupStep.done();
    }
  }

  /** Unlike ByteArrayInputStream, fails reads after close, as a network stream does. */
  private static final class ClosableByteStream extends ByteArrayInputStream {
    private final AtomicBoolean closed = new AtomicBoolean();

    ClosableByteStream(byte[] bytes) {
      super(bytes);
    }

    @Override
    public synchronized int read() {
      return closed.get() ? -1 : super.read();
    }

    @Override
    public synchronized int read(byte[] b, int off, int len) {
      if (closed.get()) {
        return -1;
      }
      return super.read(b, off, len);
    }

    @Override
    public void close() throws IOException {
      closed.set(true);
    }
  }
}
