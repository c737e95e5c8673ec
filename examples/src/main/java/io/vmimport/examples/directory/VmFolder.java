package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.PowerState;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** The folder of one VM: its definition, power state file, disk files and export lease. */
record VmFolder(Path dir) {
  static final String DEFINITION_FILE = "vm.json";
  static final String POWER_FILE = "power";
  static final String LEASE_FILE = ".export-lease";

  VmFolder {
    requireNonNull(dir, "dir is null");
  }

  String name() {
    return dir.getFileName().toString();
  }

  Path leaseFile() {
    return dir.resolve(LEASE_FILE);
  }

  /**
   * Removes the export lease if the export with {@code token} holds it. A lease another export took
   * over, or none, is left as it is.
   *
   * @return whether it removed the lease
   */
  boolean removeLease(String token) throws IOException {
    Optional<Lease> lease = readLease();
    return lease.isPresent()
        && lease.get().token().equals(token)
        && Files.deleteIfExists(leaseFile());
  }

  /** Writes the lease of a new export: its token, then the uid of the import it works for. */
  void writeLease(String token, String ownerUid) throws IOException {
    Files.writeString(leaseFile(), token + "\n" + ownerUid + "\n");
  }

  /** The lease in the folder, if any; a lease without an owner line was not made by an export. */
  Optional<Lease> readLease() throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(leaseFile());
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String token = lines.isEmpty() ? "" : lines.get(0).strip();
    Optional<String> owner =
        lines.size() < 2 || lines.get(1).isBlank()
            ? Optional.empty()
            : Optional.of(lines.get(1).strip());
    return Optional.of(new Lease(token, owner));
  }

  /**
   * @param ownerUid the uid of the import whose export holds the lease
   */
  record Lease(String token, Optional<String> ownerUid) {}

  /** The {@code id} of {@code vm.json}, or the folder name when it has none. */
  String id() {
    return VmDefinitionParser.id(readDefinition(), name(), definitionFile());
  }

  SourceVm describe() {
    return VmDefinitionParser.toSourceVm(readDefinition(), this);
  }

  /**
   * The file of a disk this folder described; disk keys are file names checked by the parser, so
   * this stays inside the folder.
   */
  Path diskFile(SourceDisk disk) {
    return dir.resolve(disk.key());
  }

  PowerState powerState() {
    Path file = dir.resolve(POWER_FILE);
    String state;
    try {
      state = Files.readString(file, StandardCharsets.UTF_8).strip().toLowerCase(Locale.ROOT);
    } catch (NoSuchFileException e) {
      return PowerState.OFF;
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot read " + file, e);
    }
    return switch (state) {
      case "on" -> PowerState.ON;
      case "off" -> PowerState.OFF;
      case "suspended" -> PowerState.SUSPENDED;
      default -> PowerState.UNKNOWN;
    };
  }

  void writePowerState(PowerState state) {
    Path file = dir.resolve(POWER_FILE);
    // written beside and moved, so a concurrent state() never reads a half-written file
    Path temporary = dir.resolve("." + POWER_FILE + ".tmp");
    try {
      Files.writeString(temporary, state.name().toLowerCase(Locale.ROOT) + "\n");
      Files.move(
          temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new VmImportException(ErrorCode.SOURCE_UNAVAILABLE, "cannot write " + file, e);
    }
  }

  private Path definitionFile() {
    return dir.resolve(DEFINITION_FILE);
  }

  private JsonNode readDefinition() {
    return VmDefinitionParser.read(definitionFile());
  }
}
