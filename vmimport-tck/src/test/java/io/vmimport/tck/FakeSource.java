package io.vmimport.tck;

import static java.util.Objects.requireNonNull;

import io.vmimport.api.model.PowerState;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory source for the kit's own tests. Providers are created by {@link
 * java.util.ServiceLoader}, so they find their source by name in a static registry.
 */
final class FakeSource {
  private static final Map<String, FakeSource> REGISTRY = new ConcurrentHashMap<>();

  final String name;
  final String password;
  final Map<String, FakeVm> vms;
  final Set<String> artifacts = ConcurrentHashMap.newKeySet();

  /** The import uid each artifact is marked with; absent: no mark (made by hand). */
  final Map<String, String> owners = new ConcurrentHashMap<>();

  private FakeSource(String name, String password, Map<String, FakeVm> vms) {
    this.name = requireNonNull(name, "name is null");
    this.password = requireNonNull(password, "password is null");
    this.vms = Map.copyOf(requireNonNull(vms, "vms is null"));
  }

  static FakeSource create(String password, Map<String, FakeVm> vms) {
    FakeSource source = new FakeSource("fake-" + UUID.randomUUID(), password, vms);
    REGISTRY.put(source.name, source);
    return source;
  }

  static FakeSource named(String name) {
    FakeSource source = REGISTRY.get(name);
    if (source == null) {
      throw new IllegalStateException("no fake source " + name);
    }
    return source;
  }

  /** One VM: its disks' bytes by key, and a mutable power state. */
  static final class FakeVm {
    final String id;
    final Map<String, byte[]> disks;
    volatile PowerState power;

    FakeVm(String id, Map<String, byte[]> disks, PowerState power) {
      this.id = requireNonNull(id, "id is null");
      this.disks = Map.copyOf(requireNonNull(disks, "disks is null"));
      this.power = requireNonNull(power, "power is null");
    }
  }
}
