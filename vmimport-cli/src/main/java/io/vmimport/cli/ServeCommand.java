package io.vmimport.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.target.harvester.ImageServer;
import io.vmimport.target.harvester.ImageServerConfig;
import io.vmimport.target.harvester.ManifestYaml;
import io.vmimport.target.harvester.OfflineHarvesterTarget;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Serves the disks of an output folder to Harvester and writes their URLs into the manifests. */
@Command(
    name = "serve",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Serves the disks that import wrote, so that Harvester can download them.",
    description = {
      "Serves the disk files of DIR (an --output-dir of import, or one import's folder in it) with"
          + " the image server the operator uses (a secret token per file, HEAD, Range requests),"
          + " and writes their URLs into each import's images.yaml and manifests.yaml. Then"
          + " 'kubectl apply' of those files, as the import's README.md says, finishes the import"
          + " in Harvester. Runs until stopped with Ctrl-C; keep it running until the images are"
          + " imported.",
      "Plain HTTP: the tokens keep the URLs unguessable, but the disks cross the network"
          + " unencrypted; serve them on a network you trust."
    },
    footerHeading = ExitCodes.HEADING,
    footer = ExitCodes.FOOTER)
final class ServeCommand implements Callable<Integer> {
  private static final int DEFAULT_PORT = 8080;

  @Spec CommandSpec spec;

  @Parameters(paramLabel = "DIR", description = "The output folder, or one import's folder.")
  Path dir;

  @Option(
      names = "--listen",
      paramLabel = "HOST:PORT",
      defaultValue = "0.0.0.0:" + DEFAULT_PORT,
      description = "Where to listen (default: ${DEFAULT-VALUE}; port 0 picks a free one).")
  String listen;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "The base URL Harvester downloads from, when it is not http://<this host's address>:"
              + "<port>/ (behind NAT, a proxy or a DNS name).")
  URI url;

  /** Counted down when the command is to stop; tests and the shutdown hook use it. */
  private final CountDownLatch stop = new CountDownLatch(1);

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    Path root = dir.toAbsolutePath().normalize();
    List<Path> folders = importFolders(root);
    InetSocketAddress bind = bindAddress();
    ImageServerConfig config =
        new ImageServerConfig(bind, Optional.ofNullable(url), Optional.empty());
    Thread hook = new Thread(stop::countDown, "vmimport-serve-stop");
    try (ImageServer server = ImageServer.start(withAdvertisedAddress(config))) {
      int disks = 0;
      for (Path folder : folders) {
        disks += serve(server, folder, out);
      }
      out.println(
          TerminalText.escape(
              "serving "
                  + disks
                  + " disk(s) on "
                  + bind.getHostString()
                  + ":"
                  + server.port()
                  + "; Ctrl-C stops"));
      out.flush();
      Runtime.getRuntime().addShutdownHook(hook);
      try {
        stop.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException e) {
          // the JVM is shutting down: the hook is what stopped us
        }
      }
    }
    return ExitCodes.SUCCESS;
  }

  /** Stops a running {@link #call()}. */
  void stop() {
    stop.countDown();
  }

  /** The folders under {@code root} (or {@code root} itself) that hold an import's images.yaml. */
  private static List<Path> importFolders(Path root) throws IOException {
    if (!Files.isDirectory(root)) {
      throw new VmImportException(ErrorCode.INVALID_SPEC, root + ": not a folder");
    }
    if (Files.isRegularFile(root.resolve(OfflineHarvesterTarget.IMAGES_FILE))) {
      return List.of(root);
    }
    List<Path> found = new ArrayList<>();
    // <output-dir>/<namespace>/<name>/images.yaml, as import writes it
    try (Stream<Path> files =
        Files.find(root, 3, (path, attributes) -> attributes.isRegularFile())) {
      files
          .filter(f -> f.getFileName().toString().equals(OfflineHarvesterTarget.IMAGES_FILE))
          .filter(f -> root.relativize(f).getNameCount() == 3)
          .map(Path::getParent)
          .forEach(found::add);
    }
    if (found.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          root
              + ": no import's "
              + OfflineHarvesterTarget.IMAGES_FILE
              + " in it or in <namespace>/<name>/ below it; run 'vmimport import --output-dir "
              + root
              + "' first");
    }
    Collections.sort(found);
    return found;
  }

  /**
   * Registers the disks the images of {@code folder} name and writes their URLs into its
   * images.yaml and manifests.yaml; returns how many disks it serves.
   */
  private int serve(ImageServer server, Path folder, PrintWriter out) throws IOException {
    Path imagesFile = folder.resolve(OfflineHarvesterTarget.IMAGES_FILE);
    Map<String, String> urls = new LinkedHashMap<>();
    for (YamlDocuments.Document document : YamlDocuments.read(imagesFile, "an images.yaml")) {
      JsonNode image = document.node();
      if (!"VirtualMachineImage".equals(image.path("kind").asText())) {
        continue;
      }
      String name = image.at("/metadata/name").asText();
      Path disk = diskOf(folder, imagesFile, document.number(), image.at("/spec/url").asText());
      urls.put(name, server.register(disk).toString());
      out.println(TerminalText.escape("  " + disk + " → image " + name));
    }
    if (urls.isEmpty()) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC, imagesFile + ": holds no VirtualMachineImage");
    }
    rewrite(imagesFile, urls);
    Path manifests = folder.resolve(OfflineHarvesterTarget.MANIFESTS_FILE);
    if (Files.isRegularFile(manifests)) {
      rewrite(manifests, urls);
    }
    out.println(
        TerminalText.escape(
            "wrote the URLs into "
                + imagesFile
                + (Files.isRegularFile(manifests) ? " and " + manifests : "")
                + "; next: the kubectl commands in "
                + folder.resolve(OfflineHarvesterTarget.README_FILE)));
    return urls.size();
  }

  /**
   * The disk file an image's URL names: its last path segment, a file of {@code folder} (never a
   * path leading out of it). The URL is the placeholder import wrote, or one of an earlier serve.
   */
  private static Path diskOf(Path folder, Path imagesFile, int number, String url) {
    String path = url.isEmpty() ? "" : URI.create(url).getRawPath();
    String fileName =
        path == null
            ? ""
            : URLDecoder.decode(path.substring(path.lastIndexOf('/') + 1), StandardCharsets.UTF_8);
    Path disk = folder.resolve(fileName).normalize();
    if (fileName.isEmpty()
        || fileName.contains("/")
        || !disk.getParent().equals(folder)
        || !Files.isRegularFile(disk)) {
      throw new VmImportException(
          ErrorCode.INVALID_SPEC,
          imagesFile
              + ": document "
              + number
              + ": spec.url '"
              + url
              + "' does not end with the name of a disk file in "
              + folder);
    }
    return disk;
  }

  /** Sets {@code spec.url} of the images named in {@code urls}; leaves everything else alone. */
  private static void rewrite(Path file, Map<String, String> urls) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    for (YamlDocuments.Document document : YamlDocuments.read(file, "a manifests file")) {
      JsonNode node = document.node();
      String name = node.at("/metadata/name").asText();
      if ("VirtualMachineImage".equals(node.path("kind").asText())
          && urls.containsKey(name)
          && node.path("spec") instanceof ObjectNode imageSpec) {
        imageSpec.put("url", urls.get(name));
      }
      documents.add(node);
    }
    Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
    Files.writeString(temporary, ManifestYaml.write(documents), StandardCharsets.UTF_8);
    Files.move(
        temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private InetSocketAddress bindAddress() {
    int colon = listen.lastIndexOf(':');
    if (colon < 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--listen: '" + listen + "' is not HOST:PORT");
    }
    String host = listen.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(listen.substring(colon + 1));
    } catch (NumberFormatException e) {
      port = -1;
    }
    if (port < 0 || port > 65535) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(), "--listen: '" + listen + "' has no port number (0-65535)");
    }
    return new InetSocketAddress(host.isEmpty() ? "0.0.0.0" : host, port);
  }

  /**
   * Without --url, Harvester is told to download from the address listened on, or, when that is
   * every address, from this host's first non-loopback IPv4 address. The port is the one bound,
   * which is only known once listening: the server fills it in when the config names no base URI.
   */
  private ImageServerConfig withAdvertisedAddress(ImageServerConfig config) {
    if (url != null || !config.bind().getAddress().isAnyLocalAddress()) {
      return config;
    }
    if (config.bind().getPort() == 0) {
      throw new picocli.CommandLine.ParameterException(
          spec.commandLine(),
          "--listen: port 0 on every address needs --url: the URL Harvester downloads from must"
              + " name the port");
    }
    Optional<InetAddress> address = siteAddress();
    if (address.isEmpty()) {
      spec.commandLine()
          .getErr()
          .println("note: this host has no network address but loopback; give --url");
      return config;
    }
    return new ImageServerConfig(
        config.bind(),
        Optional.of(
            URI.create(
                "http://" + address.get().getHostAddress() + ":" + config.bind().getPort() + "/")),
        Optional.empty());
  }

  private static Optional<InetAddress> siteAddress() {
    try {
      return NetworkInterface.networkInterfaces()
          .filter(ServeCommand::isUp)
          .flatMap(NetworkInterface::inetAddresses)
          .filter(
              a -> a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress())
          .findFirst();
    } catch (SocketException e) {
      return Optional.empty();
    }
  }

  private static boolean isUp(NetworkInterface networkInterface) {
    try {
      return networkInterface.isUp() && !networkInterface.isLoopback();
    } catch (SocketException e) {
      return false;
    }
  }
}
