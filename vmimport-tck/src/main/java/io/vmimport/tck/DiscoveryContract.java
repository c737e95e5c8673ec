package io.vmimport.tck;

import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.Capability;
import io.vmimport.api.source.SourceProvider;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Discovery: core finds providers with {@link java.util.ServiceLoader} by kind and refuses two
 * providers of one kind, so a provider must be registered exactly once under a well-formed kind.
 */
public abstract class DiscoveryContract extends ProviderContract {
  @Test
  void serviceLoaderFindsExactlyOneProviderOfTheKind() {
    List<SourceProvider> matching = providersOfKind(fixture().kind());

    assertThat(matching)
        .as(
            "providers of kind '%s' listed in META-INF/services/%s",
            fixture().kind(), SourceProvider.class.getName())
        .hasSize(1);
  }

  @Test
  void kindIsLowercaseAndNotBlank() {
    String kind = provider().kind();

    assertThat(kind).as("kind").isNotBlank();
    assertThat(kind)
        .as("kind is what users write in lowercase, without spaces")
        .isEqualTo(kind.toLowerCase(Locale.ROOT))
        .doesNotContainAnyWhitespaces();
  }

  @Test
  void fixtureSourcesNameTheProviderKind() {
    // a mismatch here means the suites would test a different provider than the fixture describes
    assertThat(fixture().goodSource().kind())
        .as("goodSource().kind()")
        .isEqualTo(provider().kind());
  }

  @Test
  void capabilitiesAreDeclaredAndStable() {
    Set<Capability> capabilities = provider().capabilities();

    assertThat(capabilities).as("capabilities()").isNotNull().allMatch(Objects::nonNull);
    assertThat(provider().capabilities()).as("capabilities() called again").isEqualTo(capabilities);
  }
}
