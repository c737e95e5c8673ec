package io.vmimport.core;

import static java.util.Objects.requireNonNull;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.guest.GuestConverter;
import java.util.Optional;

/**
 * Guice wiring of core: the engine with the providers and converter found on the class path.
 * Embedders that do not use Guice call {@link ImportEngine#create} instead.
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
    bind(ImportEngine.class).in(Singleton.class);
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
  Optional<GuestConverter> guestConverter() {
    return GuestConverters.load();
  }
}
