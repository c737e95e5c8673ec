package io.vmimport.api.guest;

import static java.util.Objects.requireNonNull;

import java.util.Locale;
import java.util.Optional;

/**
 * The operating system found on a guest's disks.
 *
 * @param distro e.g. {@code debian}, {@code rhel}, {@code windows}; empty when unknown
 * @param version e.g. {@code 12}, {@code 9.4}; empty when unknown
 * @param product the product name the guest gives itself, e.g. {@code Debian GNU/Linux 12
 *     (bookworm)}; empty when unknown
 */
public record GuestOs(
    Family family, Optional<String> distro, Optional<String> version, Optional<String> product) {
  /** Operating system families, as far as conversion cares. */
  public enum Family {
    LINUX,
    WINDOWS,
    OTHER;

    /**
     * The family a source's guest OS hint names: VMware's guest id ({@code debian10_64Guest},
     * {@code windows2019srv_64Guest}) or full name, an OpenStack image's {@code os_type} or {@code
     * os_distro}, an OVF's OS description. Empty when the hint says nothing useful ({@code
     * otherGuest}).
     */
    public static Optional<Family> fromHint(String hint) {
      requireNonNull(hint, "hint is null");
      String h = hint.toLowerCase(Locale.ROOT);
      // VMware's ids: windows9_64Guest, winNetStandardGuest, win2000ServGuest (not darwin)
      if (h.contains("windows") || h.startsWith("win")) {
        return Optional.of(WINDOWS);
      }
      for (String linux : LINUX_HINTS) {
        if (h.contains(linux)) {
          return Optional.of(LINUX);
        }
      }
      return Optional.empty();
    }

    private static final String[] LINUX_HINTS = {
      "linux",
      "debian",
      "ubuntu",
      "rhel",
      "redhat",
      "red hat",
      "centos",
      "fedora",
      "sles",
      "suse",
      "rocky",
      "alma",
      "oracle",
      "amazon",
      "photon",
      "coreos",
      "mandriva",
      "asianux"
    };
  }

  public GuestOs {
    requireNonNull(family, "family is null");
    requireNonNull(distro, "distro is null");
    requireNonNull(version, "version is null");
    requireNonNull(product, "product is null");
  }

  /** For messages: the product name, else family, distro and version. */
  public String describe() {
    return product.orElseGet(
        () ->
            family.name().toLowerCase(Locale.ROOT)
                + distro.map(d -> " " + d).orElse("")
                + version.map(v -> " " + v).orElse(""));
  }
}
