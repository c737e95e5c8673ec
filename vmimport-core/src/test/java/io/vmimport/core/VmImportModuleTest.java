package io.vmimport.core;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.ProvisionException;
import com.google.inject.util.Modules;
import io.vmimport.api.convert.DiskConverter;
import io.vmimport.core.fake.CopyingConverter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VmImportModuleTest {
  @TempDir Path dir;

  @Test
  void wiresOneEngineWithTheClassPathProviders() {
    Injector injector =
        Guice.createInjector(
            Modules.override(
                    new VmImportModule(
                        EngineConfig.builder(dir).build(), new InMemoryCheckpointStore()))
                .with(binder -> binder.bind(DiskConverter.class).to(CopyingConverter.class)));

    ImportEngine engine = injector.getInstance(ImportEngine.class);

    assertThat(injector.getInstance(ImportEngine.class)).isSameAs(engine);
    assertThat(engine.providers().kinds()).isEmpty();
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
}
