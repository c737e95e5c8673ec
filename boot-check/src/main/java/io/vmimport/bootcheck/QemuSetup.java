package io.vmimport.bootcheck;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;

/**
 * Where QEMU and the firmware are, and the accelerator: TCG by default, since KVM is not usable on
 * the machines the tests run on.
 */
public record QemuSetup(
    Path qemu,
    String accel,
    Path ovmfCode,
    Path ovmfVars,
    Path ovmfSecureBootCode,
    Path ovmfSecureBootVars) {

  public QemuSetup {
    requireNonNull(qemu, "qemu is null");
    requireNonNull(accel, "accel is null");
    requireNonNull(ovmfCode, "ovmfCode is null");
    requireNonNull(ovmfVars, "ovmfVars is null");
    requireNonNull(ovmfSecureBootCode, "ovmfSecureBootCode is null");
    requireNonNull(ovmfSecureBootVars, "ovmfSecureBootVars is null");
  }

  /**
   * Debian's packages (qemu-system-x86, ovmf). The secure-boot pair is what KubeVirt uses for
   * {@code secureBoot: true}: the SMM-only code build and variables with Microsoft's keys enrolled.
   */
  public static QemuSetup debian() {
    Path ovmf = Path.of("/usr/share/OVMF");
    return new QemuSetup(
        Path.of("/usr/bin/qemu-system-x86_64"),
        "tcg",
        ovmf.resolve("OVMF_CODE_4M.fd"),
        ovmf.resolve("OVMF_VARS_4M.fd"),
        ovmf.resolve("OVMF_CODE_4M.secboot.fd"),
        ovmf.resolve("OVMF_VARS_4M.ms.fd"));
  }
}
