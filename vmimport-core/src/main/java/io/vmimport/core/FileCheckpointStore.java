package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vmimport.api.DnsNames;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.ImportRef;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * Checkpoints as JSON files in a directory, one per import, replaced atomically so that a crash
 * mid-write leaves the previous checkpoint intact.
 */
public final class FileCheckpointStore implements CheckpointStore {
  private final Path directory;
  private final ObjectMapper json = new ObjectMapper();

  public FileCheckpointStore(Path directory) {
    this.directory = requireNonNull(directory, "directory is null");
  }

  /** The file that holds the checkpoint of {@code ref}. */
  public Path file(ImportRef ref) {
    return directory.resolve(
        "."
            + DnsNames.toLabel(ref.namespace())
            + "_"
            + DnsNames.toLabel(ref.name())
            + ".state.json");
  }

  @Override
  public synchronized Optional<Checkpoint> load(ImportRef ref) {
    Path file = file(ref);
    try {
      return Optional.of(json.readValue(Files.readAllBytes(file), Checkpoint.class));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "state file " + file + " is unreadable (" + e.getMessage() + "); delete it to start over",
          e);
    }
  }

  @Override
  public synchronized void save(ImportRef ref, Checkpoint checkpoint) {
    Path file = file(ref);
    try {
      Files.createDirectories(directory);
      Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
      Files.write(temporary, serialize(checkpoint));
      try {
        Files.move(
            temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.TARGET_FAILED, "cannot write state file " + file + ": " + e.getMessage(), e);
    }
  }

  @Override
  public synchronized void delete(ImportRef ref) {
    Path file = file(ref);
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED, "cannot delete state file " + file + ": " + e.getMessage(), e);
    }
  }

  private byte[] serialize(Checkpoint checkpoint) {
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsBytes(checkpoint);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a checkpoint is always serialisable", e);
    }
  }
}
