package io.vmimport.provider.ova;

import io.vmimport.api.Capability;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.SourceSpec;
import io.vmimport.api.source.SourceProvider;
import io.vmimport.api.source.SourceSession;
import io.vmimport.provider.ova.internal.OvaSettings;
import io.vmimport.provider.ova.internal.OvaSourceSession;
import java.util.Set;

/**
 * OVA files as an import source, kind {@code ova} ({@code OvaSource}): the archive read from an
 * http, https or file URL as a stream, its OVF descriptor giving the hardware and its manifest the
 * digests checked as the disks pass.
 *
 * <p>Settings: {@code url}, {@code httpTimeoutSeconds} (none given: 600; 0: no limit), optional
 * {@code deploymentOption}. Secret keys, all optional: {@code username} and {@code password} (basic
 * auth, over https only), {@code ca.crt}. An OVA is never running, so no power capability is
 * declared. Disks can be read at the same time: each is its own range of the archive (its own file
 * beside a plain descriptor), read by a request of its own.
 */
public final class OvaSourceProvider implements SourceProvider {
  public static final String KIND = "ova";

  @Override
  public String kind() {
    return KIND;
  }

  @Override
  public Set<Capability> capabilities() {
    return Set.of(Capability.PARALLEL_DISK_EXPORT);
  }

  @Override
  public SourceSession open(SourceSpec source) {
    OvaSettings settings = OvaSettings.of(source);
    if (!settings.isFile() && !settings.isHttps() && settings.basicAuth().isPresent()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          "source "
              + settings.sourceName()
              + ": spec.url "
              + settings.shownUrl()
              + " is plain http, and basic auth would send the password of Secret "
              + settings.secretName()
              + " in clear; use an https URL, or remove username and password from the Secret");
    }
    return new OvaSourceSession(settings);
  }
}
