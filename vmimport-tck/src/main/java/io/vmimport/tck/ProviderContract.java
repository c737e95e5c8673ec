package io.vmimport.tck;

import static org.assertj.core.api.Assertions.fail;

import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.api.source.VmLocator;
import java.util.List;
import java.util.ServiceLoader;

/**
 * Base of the contract suites: holds the fixture of the running test and finds the provider under
 * test the way core does. Provider tests extend the suites, not this class.
 */
public abstract class ProviderContract {
  private ProviderFixture fixture;
  private SourceProvider provider;

  /**
   * Creates the fixture for one test. Called once per test instance, lazily on first use, so
   * {@code @TempDir} fields and your own {@code @BeforeEach} methods are ready by then.
   */
  protected abstract ProviderFixture createFixture();

  /** The fixture of the running test. */
  protected final ProviderFixture fixture() {
    if (fixture == null) {
      fixture = createFixture();
      if (fixture == null) {
        throw new IllegalStateException(getClass().getName() + ".createFixture() returned null");
      }
    }
    return fixture;
  }

  /**
   * The one provider of the fixture's kind that {@link ServiceLoader} finds, as core would use it.
   */
  protected final SourceProvider provider() {
    if (provider == null) {
      List<SourceProvider> matching = providersOfKind(fixture().kind());
      if (matching.size() != 1) {
        fail(
            "expected exactly one SourceProvider of kind '%s' on the class path, found %s; check"
                + " META-INF/services/%s",
            fixture().kind(), matching, SourceProvider.class.getName());
      }
      // one instance per test, as core keeps one per kind
      provider = matching.get(0);
    }
    return provider;
  }

  /** Opens a session on the fixture's good source; the caller closes it. */
  protected final SourceSession openGoodSource() {
    return provider().open(fixture().goodSource());
  }

  protected final SourceVm describe(SourceSession session, VmLocator vm) {
    return session.inventory().describe(vm);
  }

  static List<SourceProvider> providersOfKind(String kind) {
    return ServiceLoader.load(SourceProvider.class).stream()
        .map(ServiceLoader.Provider::get)
        .filter(provider -> kind.equals(provider.kind()))
        .toList();
  }
}
