package io.vmimport.provider.vmware;

import java.nio.file.Files;
import java.nio.file.Path;

/** A throw-away CA and server certificate made with openssl. */
final class TestCa {
  private TestCa() {}

  static Path create(Path dir, String name) throws Exception {
    // the vcsim build installs ca-certificates, which brings openssl to a fresh machine
    Vcsim.build();
    Files.createDirectories(dir);
    VcsimWorld.run(
        "openssl",
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-keyout",
        dir.resolve("ca.key").toString(),
        "-out",
        dir.resolve("ca.crt").toString(),
        "-subj",
        "/CN=" + name,
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign");
    return dir;
  }

  /** server.crt/server.key in {@code caDir}, for {@code ip}, signed by the CA there. */
  static void issueServerCertificate(Path caDir, String ip) throws Exception {
    Path extensions = caDir.resolve("server.ext");
    Files.writeString(extensions, "subjectAltName=IP:" + ip + "\nextendedKeyUsage=serverAuth\n");
    VcsimWorld.run(
        "openssl",
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        caDir.resolve("server.key").toString(),
        "-out",
        caDir.resolve("server.csr").toString(),
        "-subj",
        "/CN=" + ip);
    VcsimWorld.run(
        "openssl",
        "x509",
        "-req",
        "-days",
        "2",
        "-in",
        caDir.resolve("server.csr").toString(),
        "-CA",
        caDir.resolve("ca.crt").toString(),
        "-CAkey",
        caDir.resolve("ca.key").toString(),
        "-CAcreateserial",
        "-out",
        caDir.resolve("server.crt").toString(),
        "-extfile",
        extensions.toString());
  }
}
