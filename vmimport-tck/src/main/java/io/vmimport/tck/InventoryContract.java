package io.vmimport.tck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceNic;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Inventory: the known VM as a complete neutral record whose disk keys survive a restart (core
 * checkpoints by them), and a missing VM reported as {@link ErrorCode#NOT_FOUND} naming it.
 */
public abstract class InventoryContract extends ProviderContract {
  @Test
  void describesKnownVmCompletely() {
    VmLocator known = fixture().knownVm();
    SourceVm vm;
    try (SourceSession session = openGoodSource()) {
      vm = describe(session, known);
    }

    assertThat(vm.id()).as("id").isNotBlank();
    assertThat(vm.name()).as("name").isNotBlank();
    assertThat(List.of(vm.name(), vm.id()))
        .as("name or id of the VM described for locator '%s'", known)
        .contains(known.nameOrId());
    assertThat(vm.memoryMiB()).as("memoryMiB").isPositive();
    assertThat(vm.cpu().vcpus()).as("vcpus").isPositive();
    assertThat(vm.disks()).as("disks").isNotEmpty();
    assertThat(vm.disks())
        .extracting(SourceDisk::index)
        .as("disk indices, in order")
        .containsExactlyElementsOf(IntStream.range(0, vm.disks().size()).boxed().toList());
    assertThat(vm.disks()).extracting(SourceDisk::key).as("disk keys").doesNotHaveDuplicates();
    for (SourceDisk disk : vm.disks()) {
      assertThat(disk.key()).as("key of disk %d", disk.index()).isNotBlank();
      assertThat(disk.name()).as("name of disk %s", disk.key()).isNotBlank();
      assertThat(disk.capacityBytes()).as("capacityBytes of disk %s", disk.key()).isPositive();
      disk.bootOrder()
          .ifPresent(order -> assertThat(order).as("bootOrder of %s", disk.key()).isPositive());
    }
    assertThat(vm.nics())
        .extracting(SourceNic::index)
        .as("NIC indices, in order")
        .containsExactlyElementsOf(IntStream.range(0, vm.nics().size()).boxed().toList());
    for (SourceNic nic : vm.nics()) {
      assertThat(nic.macAddress()).as("MAC of NIC %d", nic.index()).isNotBlank();
    }
  }

  @Test
  void diskKeysAreStableAcrossSessions() {
    // two sessions, as after a restart: checkpoints name disks by key
    SourceVm first;
    try (SourceSession session = openGoodSource()) {
      first = describe(session, fixture().knownVm());
    }
    SourceVm second;
    try (SourceSession session = openGoodSource()) {
      second = describe(session, fixture().knownVm());
    }

    assertThat(second.id()).as("id in a second session").isEqualTo(first.id());
    assertThat(second.disks())
        .extracting(SourceDisk::key)
        .as("disk keys in a second session")
        .containsExactlyElementsOf(first.disks().stream().map(SourceDisk::key).toList());
  }

  @Test
  void unknownVmIsNotFoundNamingIt() {
    VmLocator unknown = fixture().unknownVm();
    VmImportException failure;
    try (SourceSession session = openGoodSource()) {
      failure = catchThrowableOfType(VmImportException.class, () -> describe(session, unknown));
    }

    assertThat(failure).as("describe(%s) must throw VmImportException", unknown).isNotNull();
    assertThat(failure.code()).as("code of %s", failure).isEqualTo(ErrorCode.NOT_FOUND);
    assertThat(failure.retryable()).as("retryable() of %s", failure).isFalse();
    assertThat(failure.getMessage()).as("message").contains(unknown.nameOrId());
  }

  @Test
  void listNamesKnownVm() {
    List<String> names;
    SourceVm vm;
    try (SourceSession session = openGoodSource()) {
      vm = describe(session, fixture().knownVm());
      names = session.inventory().list();
    }

    assertThat(names).as("list()").containsAnyOf(vm.name(), vm.id());
    assertThat(names).as("list()").doesNotContain(fixture().unknownVm().nameOrId());
  }
}
