package io.vmimport.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.source.SourceProvider;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** Keeps the README's provider table true to the providers that exist. */
class ProviderTableTest {
  private static final Path README = Path.of("..", "README.md");

  record Row(String kind, String capabilities, String status) {}

  @Test
  void everyProviderOnTheClassPathIsListedAsAvailableWithItsCapabilities() throws Exception {
    Map<String, Row> rows = rows();
    List<SourceProvider> providers =
        ServiceLoader.load(SourceProvider.class).stream().map(ServiceLoader.Provider::get).toList();

    assertThat(providers).isNotEmpty();
    for (SourceProvider provider : providers) {
      assertThat(rows).as("README row for kind " + provider.kind()).containsKey(provider.kind());
      Row row = rows.get(provider.kind());
      assertThat(row.status()).startsWith("available");
      assertThat(row.capabilities())
          .isEqualTo(
              provider.capabilities().stream()
                  .map(Enum::name)
                  .sorted()
                  .collect(Collectors.joining(", ")));
    }
    List<String> found = providers.stream().map(SourceProvider::kind).toList();
    rows.values().stream()
        .filter(row -> row.status().startsWith("available"))
        .forEach(row -> assertThat(found).as("provider of an available row").contains(row.kind()));
  }

  private static Map<String, Row> rows() throws Exception {
    String readme = Files.readString(README);
    String table =
        readme.substring(
            readme.indexOf("<!-- providers -->"), readme.indexOf("<!-- /providers -->"));
    return table
        .lines()
        .filter(line -> line.startsWith("| `"))
        .map(line -> Arrays.stream(line.split("\\|")).map(String::trim).toList())
        .map(cells -> new Row(cells.get(1).replace("`", ""), cells.get(4), cells.get(5)))
        .collect(Collectors.toMap(Row::kind, Function.identity()));
  }
}
