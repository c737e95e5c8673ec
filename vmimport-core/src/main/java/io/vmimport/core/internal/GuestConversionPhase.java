package io.vmimport.core.internal;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.event.ConditionType;
import io.vmimport.api.guest.ConversionControl;
import io.vmimport.api.guest.GuestConversionPolicy;
import io.vmimport.api.guest.GuestConversionRequest;
import io.vmimport.api.guest.GuestConversionResult;
import io.vmimport.api.guest.GuestConverter;
import io.vmimport.api.guest.GuestDisk;
import io.vmimport.api.guest.GuestInspection;
import io.vmimport.api.guest.GuestOs;
import io.vmimport.api.model.DiskBus;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.NicModel;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.target.TargetDisk;
import io.vmimport.api.target.TargetNic;
import io.vmimport.api.target.TargetVm;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The phase between export and publish that makes the guest boot on the target's hardware: decides
 * with the import's {@link GuestConversionPolicy} whether to convert, runs the {@link
 * GuestConverter}, and says in the {@code GuestConverted} condition what it found and did, or why
 * it did nothing. A conversion that fails under {@code auto} leaves the disks as exported and the
 * import goes on (as it did before conversion existed), with a warning; under {@code always} it
 * fails the import.
 */
final class GuestConversionPhase {
  /** Names the three places a policy is set, for messages. */
  static final String POLICY_SETTINGS =
      "the import's annotation vmimport.io/guest-conversion, the command's --guest-conversion or"
          + " the operator chart's value guestConversion";

  static final String WINDOWS_HINT =
      "converting Windows needs the virtio-win drivers, which vmimport does not ship: put them"
          + " (virtio-win ISO or directory) where vmimport runs, point the VIRTIO_WIN environment"
          + " variable at them, and set guest conversion to 'always' ("
          + POLICY_SETTINGS
          + ")";

  /** Condition reasons. */
  static final String CONVERTED = "Converted";

  static final String CONVERTING = "Converting";
  static final String DISABLED = "Disabled";
  static final String NOT_NEEDED = "NotNeeded";
  static final String CONVERTER_MISSING = "ConverterMissing";
  static final String WINDOWS = "WindowsNeedsDrivers";
  static final String NOT_CONVERTIBLE = "NotConvertible";
  static final String FAILED = "ConversionFailed";

  private final Optional<GuestConverter> converter;
  private final GuestConversionPolicy defaultPolicy;
  private final Duration timeout;
  private final ImportReporter report;
  private final CancelSignal cancel;

  GuestConversionPhase(
      Optional<GuestConverter> converter,
      GuestConversionPolicy defaultPolicy,
      Duration timeout,
      ImportReporter report,
      CancelSignal cancel) {
    this.converter = requireNonNull(converter, "converter is null");
    this.defaultPolicy = requireNonNull(defaultPolicy, "defaultPolicy is null");
    this.timeout = requireNonNull(timeout, "timeout is null");
    this.report = requireNonNull(report, "report is null");
    this.cancel = requireNonNull(cancel, "cancel is null");
  }

  /**
   * What the target VM gives the guest that a VMware-style guest has no driver for in its
   * initramfs: disks on virtio or SCSI (which KubeVirt runs as virtio-scsi), virtio NICs.
   */
  static List<String> virtioDevices(TargetVm vm) {
    List<String> devices = new ArrayList<>();
    for (TargetDisk disk : vm.disks()) {
      if (disk.bus() == DiskBus.VIRTIO) {
        devices.add(disk.name() + " on virtio");
      } else if (disk.bus() == DiskBus.SCSI) {
        devices.add(disk.name() + " on scsi (virtio-scsi)");
      }
    }
    for (TargetNic nic : vm.nics()) {
      if (nic.model() == NicModel.VIRTIO) {
        devices.add(nic.name() + " virtio");
      }
    }
    return devices;
  }

  /**
   * Converts the guest on {@code files} (by target disk name, in {@code format}) if the policy says
   * so.
   *
   * @return what the GuestConverted condition says, when the guest was converted (the disks
   *     changed); empty when they are as exported
   * @throws VmImportException {@code CANCELLED} when cancelled (the disks are unchanged); under
   *     {@code always}, {@code CONVERSION_FAILED} or {@code NOT_SUPPORTED} when the guest was not
   *     converted
   */
  Optional<String> run(
      Optional<GuestConversionPolicy> importPolicy,
      SourceVm source,
      TargetVm vm,
      Map<String, Path> files,
      DiskFormat format) {
    GuestConversionPolicy policy = importPolicy.orElse(defaultPolicy);
    String policyName = "guest conversion '" + policy.wireValue() + "'";
    if (policy == GuestConversionPolicy.NEVER) {
      done(false, DISABLED, policyName + ": the guest is left as exported");
      return Optional.empty();
    }
    List<String> devices = virtioDevices(vm);
    if (policy == GuestConversionPolicy.AUTO && devices.isEmpty()) {
      done(
          false,
          NOT_NEEDED,
          "not needed: the target VM gives the guest no virtio device (disks on sata, NICs not"
              + " virtio)");
      return Optional.empty();
    }
    Optional<String> missing =
        converter.isEmpty()
            ? Optional.of(
                "no guest converter is installed (vmimport's converter-virt-v2v module is not on"
                    + " the class path)")
            : converter.get().unavailable();
    if (missing.isPresent()) {
      String message =
          "the guest was not converted, and may not boot on "
              + String.join(", ", devices.isEmpty() ? List.of("the target") : devices)
              + ": "
              + missing.get()
              + "; or import the disks onto SATA (spec.defaultDiskBusType: sata)";
      if (policy == GuestConversionPolicy.ALWAYS) {
        done(false, CONVERTER_MISSING, message);
        throw new VmImportException(ErrorCode.NOT_SUPPORTED, policyName + ": " + message);
      }
      done(false, CONVERTER_MISSING, message);
      report.warn(message);
      return Optional.empty();
    }
    GuestConverter tool = converter.get();
    Optional<String> hint = source.guestOs();
    Optional<GuestOs.Family> hinted = hint.flatMap(GuestOs.Family::fromHint);
    GuestConversionRequest request = request(vm, files, format, hint);
    if (policy == GuestConversionPolicy.AUTO) {
      if (hinted.equals(Optional.of(GuestOs.Family.WINDOWS))) {
        leaveWindows("the source says the guest is " + hint.orElseThrow());
        return Optional.empty();
      }
      if (hinted.isEmpty()) {
        // the source does not say: ask the converter before changing anything
        if (!inspected(tool, request)) {
          return Optional.empty();
        }
      }
    }
    report.condition(
        ConditionType.GUEST_CONVERTED,
        false,
        CONVERTING,
        "converting the guest with " + tool.name() + " for " + String.join(", ", devices));
    GuestConversionResult result = tool.convert(request, control());
    String os =
        result.os().map(GuestOs::describe).orElse("the guest")
            + hint.map(h -> " (the source says " + h + ")").orElse("")
            + ": ";
    switch (result.outcome()) {
      case CONVERTED -> {
        String message =
            os
                + "converted by "
                + tool.name()
                + " in "
                + result.took().toSeconds()
                + " s; "
                + String.join("; ", result.changes());
        done(true, CONVERTED, message);
        return Optional.of(message);
      }
      case DECLINED -> {
        String message = os + tool.name() + " did not convert the guest: " + result.reason();
        done(false, NOT_CONVERTIBLE, message);
        // nothing the converter knows how to convert: the condition says so; only 'always' fails
        if (policy == GuestConversionPolicy.ALWAYS) {
          throw new VmImportException(ErrorCode.CONVERSION_FAILED, policyName + ": " + message);
        }
      }
      case FAILED -> {
        String message =
            os
                + "conversion by "
                + tool.name()
                + " failed: "
                + result.reason()
                + (result.logTail().isEmpty()
                    ? ""
                    : "; last lines of its log: " + String.join(" | ", result.logTail()));
        done(false, FAILED, message);
        failOrWarn(policy, policyName, message);
      }
    }
    return Optional.empty();
  }

  /** Whether the inspection says to go on; if not, the condition says why. */
  private boolean inspected(GuestConverter tool, GuestConversionRequest request) {
    report.condition(
        ConditionType.GUEST_CONVERTED,
        false,
        CONVERTING,
        "inspecting the guest with " + tool.name() + " (the source does not say what it is)");
    GuestInspection inspection;
    try {
      inspection = tool.inspect(request, control());
    } catch (VmImportException e) {
      if (e.code() == ErrorCode.CANCELLED) {
        throw e;
      }
      String message = "the guest was not converted: inspecting it failed: " + e.getMessage();
      done(false, FAILED, message);
      report.warn(message);
      return false;
    }
    if (inspection.os().map(o -> o.family() == GuestOs.Family.WINDOWS).orElse(false)) {
      leaveWindows(tool.name() + " found " + inspection.os().get().describe());
      return false;
    }
    if (!inspection.convertible()) {
      String message =
          inspection.os().map(o -> o.describe() + ": ").orElse("")
              + "not converted: "
              + inspection.reason();
      done(false, NOT_CONVERTIBLE, message);
      return false;
    }
    return true;
  }

  private void leaveWindows(String why) {
    String message = why + "; left unconverted under guest conversion 'auto': " + WINDOWS_HINT;
    done(false, WINDOWS, message);
    report.warn(message);
  }

  private void failOrWarn(GuestConversionPolicy policy, String policyName, String message) {
    if (policy == GuestConversionPolicy.ALWAYS) {
      throw new VmImportException(ErrorCode.CONVERSION_FAILED, policyName + ": " + message);
    }
    report.warn(message + "; the disks are imported as exported");
  }

  private GuestConversionRequest request(
      TargetVm vm, Map<String, Path> files, DiskFormat format, Optional<String> hint) {
    List<GuestDisk> disks =
        vm.disks().stream()
            .map(
                d ->
                    new GuestDisk(
                        requireNonNull(files.get(d.name()), "no file for " + d.name()), format))
            .toList();
    return new GuestConversionRequest(
        vm.name(),
        disks,
        vm.firmware().type(),
        vm.disks().get(0).bus(),
        vm.nics().stream().map(TargetNic::model).findFirst(),
        hint,
        timeout);
  }

  private ConversionControl control() {
    return new ConversionControl() {
      @Override
      public boolean cancelled() {
        return cancel.isCancelled();
      }

      @Override
      public void progress(String stage, int percent) {
        report.condition(
            ConditionType.GUEST_CONVERTED,
            false,
            CONVERTING,
            percent >= 0 ? stage + " (" + percent + "%)" : stage);
      }
    };
  }

  /**
   * The guest on the disks an earlier run finished was converted by that run (the checkpoint says
   * so, with its message): the condition says so again, and nothing runs.
   */
  void alreadyConverted(String message) {
    done(true, CONVERTED, "converted by an earlier run of this import: " + message);
  }

  private void done(boolean converted, String reason, String message) {
    report.condition(ConditionType.GUEST_CONVERTED, converted, reason, message);
  }
}
