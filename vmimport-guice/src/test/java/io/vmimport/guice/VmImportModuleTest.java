package io.vmimport.guice;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.util.Modules;
import io.vmimport.api.convert.ConversionRequest;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.api.convert.DiskInfo;
import io.vmimport.api.convert.ProgressListener;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.core.EngineConfig;
import io.vmimport.core.ImportEngine;
import io.vmimport.core.InMemoryCheckpointStore;
import io.vmimport.core.ProviderRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmImportModuleTest {
  @TempDir Path dir;

  @Test
  void wiresOneEngineWithTheClassPathProvidersAndLetsABindingBeReplaced() {
    Injector injector =
        Guice.createInjector(
            Modules.override(
                    new VmImportModule(
                        EngineConfig.builder(dir).build(), new InMemoryCheckpointStore()))
                .with(binder -> binder.bind(DiskConverter.class).to(CopyingConverter.class)));

    ImportEngine engine = injector.getInstance(ImportEngine.class);

    assertThat(injector.getInstance(ImportEngine.class)).isSameAs(engine);
    // no provider module is on this module's test class path
    assertThat(engine.providers().kinds()).isEmpty();
    assertThat(injector.getInstance(DiskConverter.class)).isInstanceOf(CopyingConverter.class);
    engine.close();
  }

  @Test
  void anOverriddenRegistryReachesTheEngine() {
    ProviderRegistry none = new ProviderRegistry(List.of());
    Injector injector =
        Guice.createInjector(
            Modules.override(
                    new VmImportModule(
                        EngineConfig.builder(dir).build(), new InMemoryCheckpointStore()))
                .with(
                    binder -> {
                      binder.bind(DiskConverter.class).to(CopyingConverter.class);
                      binder.bind(ProviderRegistry.class).toInstance(none);
                    }));

    ImportEngine engine = injector.getInstance(ImportEngine.class);

    assertThat(engine.providers()).isSameAs(none);
    engine.close();
  }

  @Test
  void aMissingConverterIsNamed() {
    Injector injector =
        Guice.createInjector(
            new VmImportModule(EngineConfig.builder(dir).build(), new InMemoryCheckpointStore()));

    assertThatThrownBy(() -> injector.getInstance(ImportEngine.class))
        .isInstanceOf(ProvisionException.class)
        .hasMessageContaining("no disk converter on the class path; add the converter-qemu module");
  }

  /**
   * Stands in for converter-qemu, which this module may not depend on: every image is raw to it,
   * and converting copies the bytes.
   */
  static final class CopyingConverter implements DiskConverter {
    @Override
    public DiskInfo inspect(Path image) {
      try {
        return new DiskInfo(DiskFormat.RAW, Files.size(image), OptionalLong.empty());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void convert(ConversionRequest request, ProgressListener progress) {
      try {
        Files.copy(request.source(), request.target());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      progress.progress(100, 100);
    }
  }
}
