package io.vmimport.bootcheck;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the guest reported on its serial console once it reached multi-user with {@code /} writable:
 * the {@code VMIMPORT-BOOT-OK key=value ...} line of the guest's marker unit
 * (test-peer/guest/build-guest.sh).
 */
public record GuestReport(Map<String, String> values) {
  public static final String MARKER = "VMIMPORT-BOOT-OK";

  public GuestReport {
    values = Map.copyOf(values);
  }

  /** Parses the marker line; what precedes the marker (console noise) is ignored. */
  public static GuestReport parse(String line) {
    int start = line.indexOf(MARKER);
    if (start < 0) {
      throw new IllegalArgumentException("not a boot marker line: " + line);
    }
    Map<String, String> values = new LinkedHashMap<>();
    for (String word : line.substring(start + MARKER.length()).trim().split("\\s+")) {
      int equals = word.indexOf('=');
      if (equals > 0) {
        values.put(word.substring(0, equals), word.substring(equals + 1));
      }
    }
    return new GuestReport(values);
  }

  private String value(String key) {
    String value = values.get(key);
    if (value == null) {
      throw new IllegalStateException(
          "the guest did not report " + key + " (an older guest image?): " + values);
    }
    return value;
  }

  private int number(String key) {
    return Integer.parseInt(value(key));
  }

  private static List<String> list(String value) {
    return Arrays.stream(value.split(",")).filter(s -> !s.isEmpty()).toList();
  }

  /** The device mounted at {@code /}, e.g. {@code /dev/sda1}. */
  public String rootDevice() {
    return value("root");
  }

  public List<String> rootMountOptions() {
    return list(value("opts"));
  }

  /** {@code bios} or {@code uefi}. */
  public String firmware() {
    return value("fw");
  }

  public boolean secureBoot() {
    return "1".equals(value("secureboot"));
  }

  public int cpus() {
    return number("cpus");
  }

  public int sockets() {
    return number("sockets");
  }

  public int coresPerSocket() {
    return number("cores");
  }

  public int threadsPerCore() {
    return number("threads");
  }

  /** RAM as the hypervisor gave it (online memory blocks), not MemTotal. */
  public long memoryMiB() {
    return Long.parseLong(value("mem_mib"));
  }

  /** The MAC addresses of the guest's NICs, lower case, sorted. */
  public List<String> macAddresses() {
    return list(value("macs")).stream().map(m -> m.toLowerCase(Locale.ROOT)).sorted().toList();
  }

  /** Block devices, e.g. {@code [sda]} or {@code [vda]}. */
  public List<String> disks() {
    return list(value("disks"));
  }

  /** The storage and virtio modules loaded. */
  public List<String> modules() {
    return list(value("modules"));
  }

  public String kernel() {
    return value("kernel");
  }

  @Override
  public String toString() {
    return values.toString();
  }
}
