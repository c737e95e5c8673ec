package io.vmimport.provider.ova.tck;

import io.vmimport.api.model.SourceSpec;
import io.vmimport.provider.ova.Nginx;
import io.vmimport.provider.ova.NginxPeer;
import io.vmimport.provider.ova.SharedOva;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * The shared VirtualBox OVA served by a real nginx over https, behind basic auth, with a
 * certificate from a throw-away CA given as {@code ca.crt}.
 */
public class OvaHttpsFixture extends OvaFileFixture {
  private final Nginx nginx;

  public OvaHttpsFixture(Path work) {
    super(work);
    this.nginx = NginxPeer.get();
  }

  private Map<String, String> secret(String password) {
    try {
      return Map.of("username", Nginx.USER, "password", password, "ca.crt", nginx.caPem());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public SourceSpec goodSource() {
    return source(nginx.https("private/" + SharedOva.VIRTUALBOX), secret(Nginx.PASSWORD));
  }

  @Override
  public Optional<SourceSpec> sourceWithBadCredentials() {
    return Optional.of(
        source(nginx.https("private/" + SharedOva.VIRTUALBOX), secret("wrong-password-42")));
  }

  /** A closed port on loopback. */
  @Override
  public SourceSpec unreachableSource() {
    return source(
        URI.create("https://127.0.0.1:9/" + SharedOva.VIRTUALBOX), secret(Nginx.PASSWORD));
  }

  @Override
  public Optional<SourceSpec> plainHttpSource(URI plainHttpEndpoint) {
    return Optional.of(
        source(
            plainHttpEndpoint.resolve("/private/" + SharedOva.VIRTUALBOX), secret(Nginx.PASSWORD)));
  }
}
