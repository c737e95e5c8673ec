package io.vmimport.guice;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.guest.GuestConverter;
import io.vmimport.core.CheckpointStore;
import io.vmimport.core.Converters;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.GuestConverters;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.ProviderRegistry;
import io.vmimport.core.TimeSource;
import java.util.Optional;

/**
 * Guice wiring of the engine: one {@link ImportEngine} with the providers and the converter found
 * on the class path. Each part is a binding of its own, so that {@code Modules.override} can
 * replace one (a converter, a provider registry, a clock) and keep the rest. Core itself does not
 * depend on Guice: embedders that do not use it call {@link ImportEngine#create} or the engine's
 * constructor.
 */
public final class VmImportModule extends AbstractModule {
  private final EngineConfig config;
  private final CheckpointStore checkpoints;

  public VmImportModule(EngineConfig config, CheckpointStore checkpoints) {
    this.config = requireNonNull(config, "config is null");
    this.checkpoints = requireNonNull(checkpoints, "checkpoints is null");
  }

  @Override
  protected void configure() {
    bind(EngineConfig.class).toInstance(config);
    bind(CheckpointStore.class).toInstance(checkpoints);
    bind(TimeSource.class).toInstance(TimeSource.SYSTEM);
  }

  @Provides
  @Singleton
  ProviderRegistry providerRegistry() {
    return ProviderRegistry.load();
  }

  @Provides
  @Singleton
  DiskConverter diskConverter() {
    return Converters.load();
  }

  @Provides
  @Singleton
  ImportEngine importEngine(
      ProviderRegistry providers,
      DiskConverter converter,
      Optional<GuestConverter> guestConverter,
      CheckpointStore checkpoints,
      EngineConfig config,
      TimeSource time) {
    return new ImportEngine(providers, converter, guestConverter, checkpoints, config, time);
  }

  /** The guest converter found on the class path, if any. */
  @Provides
  @Singleton
  Optional<GuestConverter> guestConverter() {
    return GuestConverters.load();
  }
}
