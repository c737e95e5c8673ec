package io.vmimport.converter.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.convert.DiskConverter;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class QemuImgConverterServiceTest {
  @Test
  void isFoundByServiceLoader() {
    assertThat(ServiceLoader.load(DiskConverter.class).stream().map(ServiceLoader.Provider::type))
        .containsExactly(QemuImgConverter.class);
  }
}
