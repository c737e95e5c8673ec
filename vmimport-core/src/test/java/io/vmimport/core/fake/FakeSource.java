package io.vmimport.core.fake;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.ImportSpec;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.ArtifactOwner;
import io.vmimport.api.source.DiskExporter;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.PowerControl;
import io.vmimport.api.source.Preparation;
import io.vmimport.api.source.SourceArtifact;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.SourceValidator;
import io.vmimport.api.source.UnownedArtifact;
import io.vmimport.api.source.ValidationIssue;
import io.vmimport.api.source.VmInventory;
import io.vmimport.api.source.VmLocator;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A scriptable source: one VM whose disks are byte arrays. Records every call, and what it has
 * created on the "source" (export leases), so tests can check that nothing is left behind.
 */
public final class FakeSource implements SourceProvider {
  public final List<String> calls = Collections.synchronizedList(new ArrayList<>());
  public final Set<String> artifacts = ConcurrentHashMap.newKeySet();

  /** The uid each artifact is marked with on the "source"; absent: it carries no mark. */
  public final Map<String, String> owners = new ConcurrentHashMap<>();

  public final Map<String, AtomicInteger> opens = new ConcurrentHashMap<>();
  public final AtomicInteger openSessions = new AtomicInteger();

  private final FakeTime time;
  public SourceVm vm;

  /** Further VMs of the source, found by id only (as VMs sharing {@link #vm}'s name would be). */
  public final Map<String, SourceVm> moreVms = new ConcurrentHashMap<>();

  public final Map<String, byte[]> diskContent = new HashMap<>();
  public DiskFormat exportFormat = DiskFormat.RAW;

  /** Whether export streams say their length; vSphere's NFC does not. */
  public boolean streamLengthKnown = true;

  public Set<Capability> capabilities =
      EnumSet.of(Capability.GUEST_SHUTDOWN, Capability.HARD_POWER_OFF);

  public PowerState power = PowerState.ON;

  /** Fake time the guest needs to shut down; null: it never does. */
  public Duration guestShutdownTakes = Duration.ofSeconds(10);

  public Instant guestShutdownAt;
  public Instant powerOffAt;

  /** Failures to throw from open(), consumed one per call; empty: succeed. */
  public final List<VmImportException> openFailures =
      Collections.synchronizedList(new ArrayList<>());

  public List<ValidationIssue> preflightIssues = List.of();
  public int pendingPreparations = 0;

  /** Whether aborting an export fails (the lease stays), as a source that cannot be reached. */
  public volatile boolean abortFails = false;

  /** How long abort waits for the source (interruptibly, as a real source polls it). */
  public volatile long abortMillis = 0;

  /** Wraps a disk's stream, e.g. to block or fail midway. */
  public Function<SourceDisk, InputStream> streamOverride = null;

  public FakeSource(FakeTime time, SourceVm vm) {
    this.time = time;
    this.vm = vm;
  }

  @Override
  public String kind() {
    return "fake";
  }

  @Override
  public Set<Capability> capabilities() {
    return capabilities;
  }

  @Override
  public SourceSession open(SourceSpec source) {
    calls.add("open");
    if (!openFailures.isEmpty()) {
      throw openFailures.remove(0);
    }
    openSessions.incrementAndGet();
    return new Session();
  }

  private final class Session implements SourceSession {
    @Override
    public SourceValidator validator() {
      return new SourceValidator() {
        @Override
        public List<ValidationIssue> checkSource() {
          return List.of();
        }

        @Override
        public List<ValidationIssue> preflight(ImportSpec spec) {
          calls.add("preflight");
          return preflightIssues;
        }
      };
    }

    @Override
    public VmInventory inventory() {
      return new VmInventory() {
        @Override
        public SourceVm describe(VmLocator locator) {
          calls.add("describe " + locator);
          SourceVm other = moreVms.get(locator.nameOrId());
          if (other != null) {
            return other;
          }
          if (!locator.nameOrId().equals(vm.name()) && !locator.nameOrId().equals(vm.id())) {
            throw new VmImportException(
                ErrorCode.NOT_FOUND,
                "VM '" + locator + "' not found; available: [" + vm.name() + "]");
          }
          return vm;
        }

        @Override
        public List<String> list() {
          return List.of(vm.name());
        }
      };
    }

    @Override
    public PowerControl power() {
      return new PowerControl() {
        @Override
        public synchronized PowerState state(SourceVm ignored) {
          if (power == PowerState.ON
              && guestShutdownAt != null
              && guestShutdownTakes != null
              && !time.now().isBefore(guestShutdownAt.plus(guestShutdownTakes))) {
            power = PowerState.OFF;
          }
          return power;
        }

        @Override
        public void shutdownGuest(SourceVm ignored) {
          calls.add("shutdownGuest");
          guestShutdownAt = time.now();
        }

        @Override
        public void powerOff(SourceVm ignored) {
          calls.add("powerOff");
          powerOffAt = time.now();
          power = PowerState.OFF;
        }
      };
    }

    @Override
    public DiskExporter exporter() {
      return new DiskExporter() {
        @Override
        public ExportSession begin(SourceVm exportedVm, ArtifactOwner owner) {
          calls.add("begin");
          if (power != PowerState.OFF) {
            throw new VmImportException(ErrorCode.INVALID_SPEC, "export needs the VM off");
          }
          String lease = "lease-" + calls.size();
          artifacts.add(lease);
          owners.put(lease, owner.uid());
          return new Export(lease);
        }

        @Override
        public List<UnownedArtifact> release(List<SourceArtifact> leftovers, ArtifactOwner owner) {
          calls.add("release " + leftovers);
          List<UnownedArtifact> unowned = new ArrayList<>();
          for (SourceArtifact artifact : leftovers) {
            String mark = owners.get(artifact.id());
            if (artifacts.contains(artifact.id()) && !owner.owns(mark)) {
              unowned.add(
                  new UnownedArtifact(
                      artifact,
                      mark == null ? "it carries no owner mark" : "it is import " + mark + "'s"));
            } else {
              artifacts.remove(artifact.id());
            }
          }
          return unowned;
        }
      };
    }

    @Override
    public void close() {
      openSessions.decrementAndGet();
    }
  }

  private final class Export implements ExportSession {
    private final String lease;
    private final Map<String, Integer> preparations = new ConcurrentHashMap<>();

    Export(String lease) {
      this.lease = lease;
    }

    @Override
    public Preparation prepare(SourceDisk disk) {
      int done = preparations.merge(disk.key(), 1, Integer::sum);
      return done > pendingPreparations
          ? Preparation.ready()
          : Preparation.pending(Duration.ofSeconds(5), "snapshot in progress");
    }

    @Override
    public DiskStream open(SourceDisk disk) {
      calls.add("openDisk " + disk.key());
      opens.computeIfAbsent(disk.key(), k -> new AtomicInteger()).incrementAndGet();
      byte[] content = diskContent.get(disk.key());
      InputStream input =
          streamOverride != null ? streamOverride.apply(disk) : new ByteArrayInputStream(content);
      return new DiskStream(
          input,
          exportFormat,
          streamLengthKnown ? OptionalLong.of(content.length) : OptionalLong.empty());
    }

    @Override
    public void complete() {
      calls.add("complete");
      artifacts.remove(lease);
    }

    @Override
    public void abort() {
      calls.add("abort");
      try {
        Thread.sleep(abortMillis);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new VmImportException(
            ErrorCode.CLEANUP_FAILED, "interrupted while removing " + lease, e, true);
      }
      if (abortFails) {
        throw new VmImportException(ErrorCode.CLEANUP_FAILED, lease + " could not be aborted");
      }
      artifacts.remove(lease);
    }

    @Override
    public List<SourceArtifact> artifacts() {
      return artifacts.contains(lease) ? List.of(new SourceArtifact("lease", lease)) : List.of();
    }
  }
}
