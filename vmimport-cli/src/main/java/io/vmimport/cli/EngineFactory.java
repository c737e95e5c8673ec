package io.vmimport.cli;

import io.vmimport.core.CheckpointStore;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.TimeSource;

/** The engine the commands use: providers from the class path, the converter looked up late. */
final class EngineFactory {
  private EngineFactory() {}

  static ImportEngine create(EngineConfig config, CheckpointStore checkpoints) {
    return new ImportEngine(
        ProviderRegistry.load(), new LazyDiskConverter(), checkpoints, config, TimeSource.SYSTEM);
  }
}
