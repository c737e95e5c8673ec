package io.vmimport.examples.directory;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.Credentials;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.VmLocator;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;

/** The folder a directory source points at: finds VM folders and checks credentials. */
final class SourceFolder {
  static final String CREDENTIALS_FILE = ".credentials";

  private final Path root;
  private final String sourceName;

  private SourceFolder(Path root, String sourceName) {
    this.root = requireNonNull(root, "root is null");
    this.sourceName = requireNonNull(sourceName, "sourceName is null");
  }

  /**
   * Checks that the folder exists and that the spec's credentials match its {@code .credentials}.
   *
   * @throws VmImportException {@code INVALID_SPEC} without a usable {@code path}, {@code
   *     SOURCE_UNAVAILABLE} when the folder is missing, {@code AUTHENTICATION_FAILED} on a mismatch
   */
  static SourceFolder open(SourceSpec spec) {
    String sourceName = spec.namespace() + "/" + spec.name();
    String path = spec.requireSetting("path");
    Path root;
    try {
      root = Path.of(path).toAbsolutePath().normalize();
    } catch (InvalidPathException e) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source " + sourceName + ": spec.path '" + path + "' is invalid",
          e);
    }
    SourceFolder folder = new SourceFolder(root, sourceName);
    folder.checkReachable();
    folder.authenticate(spec.credentials());
    return folder;
  }

  Path root() {
    return root;
  }

  /**
   * @throws VmImportException {@code SOURCE_UNAVAILABLE} (retryable: a share may be mounted later)
   */
  void checkReachable() {
    if (!Files.isDirectory(root)) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE,
          "source " + sourceName + ": folder " + root + " does not exist or is not a directory");
    }
  }

  private void authenticate(Credentials credentials) {
    Path file = root.resolve(CREDENTIALS_FILE);
    if (!Files.exists(file)) {
      return;
    }
    String expected;
    try {
      expected = Files.readAllLines(file, StandardCharsets.UTF_8).stream().findFirst().orElse("");
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE, "source " + sourceName + ": cannot read " + file, e);
    }
    String given =
        credentials.get("username").orElse("") + ":" + credentials.get("password").orElse("");
    // constant-time comparison, as a real endpoint would do
    if (!MessageDigest.isEqual(
        expected.strip().getBytes(StandardCharsets.UTF_8),
        given.getBytes(StandardCharsets.UTF_8))) {
      throw new VmImportException(
          ErrorCode.AUTHENTICATION_FAILED,
          "source "
              + sourceName
              + ": username or password from "
              + credentials.secretName()
              + " rejected by "
              + file);
    }
  }

  /** Names of the VM folders (sub-folders with a {@code vm.json}), sorted. */
  List<String> vmNames() {
    checkReachable();
    List<String> names = new ArrayList<>();
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(root, Files::isDirectory)) {
      for (Path entry : entries) {
        if (Files.isRegularFile(entry.resolve(VmFolder.DEFINITION_FILE))) {
          names.add(entry.getFileName().toString());
        }
      }
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.SOURCE_UNAVAILABLE, "source " + sourceName + ": cannot list " + root, e);
    }
    names.sort(null);
    return names;
  }

  /**
   * Finds a VM by folder name or, failing that, by the {@code id} in its {@code vm.json}.
   *
   * @throws VmImportException {@code NOT_FOUND} listing the VMs, {@code NOT_UNIQUE} for an id used
   *     twice, {@code INVALID_SPEC} for a locator with a folder
   */
  VmFolder find(VmLocator locator) {
    if (locator.folder().isPresent()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + sourceName
              + " has no VM folders; remove spec.folder ('"
              + locator.folder().get()
              + "')");
    }
    List<String> names = vmNames();
    String wanted = locator.nameOrId();
    // compared with listed names, never resolved directly, so "../x" cannot leave the folder
    if (names.contains(wanted)) {
      return new VmFolder(root.resolve(wanted));
    }
    List<VmFolder> byId = new ArrayList<>();
    List<String> unreadable = new ArrayList<>();
    for (String name : names) {
      VmFolder folder = new VmFolder(root.resolve(name));
      try {
        if (folder.id().equals(wanted)) {
          byId.add(folder);
        }
      } catch (VmImportException e) {
        if (e.code() != ErrorCode.INVALID_SPEC) {
          throw e;
        }
        // one broken vm.json must not hide the others; it is named in the NOT_FOUND message
        unreadable.add(name + " (" + e.getMessage() + ")");
      }
    }
    if (byId.size() > 1) {
      throw new VmImportException(
          ErrorCode.NOT_UNIQUE,
          "VM id '" + wanted + "' is used by several folders in " + root + ": " + byId);
    }
    return byId.stream()
        .findFirst()
        .orElseThrow(
            () ->
                new VmImportException(
                    ErrorCode.NOT_FOUND,
                    "VM '"
                        + wanted
                        + "' not found in "
                        + root
                        + "; available: "
                        + names
                        + unreadableNote(unreadable)));
  }

  /** The folder of a VM this source described. */
  VmFolder folderOf(SourceVm vm) {
    return find(VmLocator.of(vm.name()));
  }

  private static String unreadableNote(List<String> unreadable) {
    return unreadable.isEmpty() ? "" : "; unreadable: " + unreadable;
  }

  @Override
  public String toString() {
    return sourceName + " (" + root + ")";
  }
}
