package io.vmimport.provider.vmware.internal;

import com.vmware.vim25.HttpNfcLeaseDeviceUrl;
import com.vmware.vim25.HttpNfcLeaseInfo;
import com.vmware.vim25.HttpNfcLeaseState;
import com.vmware.vim25.LocalizedMethodFault;
import com.vmware.vim25.ManagedObjectReference;
import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import io.vmimport.api.model.DiskFormat;
import io.vmimport.api.model.SourceDisk;
import io.vmimport.api.model.SourceVm;
import io.vmimport.api.source.DiskStream;
import io.vmimport.api.source.ExportSession;
import io.vmimport.api.source.Preparation;
import io.vmimport.provider.support.HttpDownload;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NFC export: an HttpNfcLease on the VM. Disks download as streamOptimized VMDKs over HTTPS
 * with the session cookie; the lease is completed on success and aborted on failure or cancel.
 * Either is one remote call that returns at once (nothing to wait for, unlike a cloud's volumes),
 * so this implements the one-call {@link #complete()} and {@link #abort()}, which core's step calls
 * ({@link #completeStep()}, {@link #abortStep()}) reach by default.
 */
public final class VmwareExportSession implements ExportSession {
  private static final Logger log = LoggerFactory.getLogger(VmwareExportSession.class);
  private static final Duration LEASE_POLL = Duration.ofSeconds(1);
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(15);

  /** A lease whose host sends nothing for this long is taken as gone. */
  private static final Duration READ_TIMEOUT = Duration.ofMinutes(5);

  private final VimConnection connection;
  private final SourceVm vm;
  private final ManagedObjectReference lease;
  private final Set<InputStream> openStreams = ConcurrentHashMap.newKeySet();
  private volatile HttpNfcLeaseInfo info;
  private volatile boolean ended;

  VmwareExportSession(VimConnection connection, SourceVm vm, ManagedObjectReference lease) {
    this.connection = connection;
    this.vm = vm;
    this.lease = lease;
  }

  /** The lease, for tests and logs. */
  public ManagedObjectReference lease() {
    return lease;
  }

  @Override
  public Preparation prepare(SourceDisk disk) {
    if (info != null) {
      return Preparation.ready();
    }
    var props = connection.properties(lease, "state", "info", "error");
    Object state = props.get("state");
    if (state == HttpNfcLeaseState.ready && props.get("info") instanceof HttpNfcLeaseInfo ready) {
      info = ready;
      return Preparation.ready();
    }
    if (state == HttpNfcLeaseState.error) {
      String reason =
          props.get("error") instanceof LocalizedMethodFault fault
              ? fault.getLocalizedMessage()
              : "no reason given";
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          "NFC lease " + lease.getVal() + " of VM " + vm.name() + " failed: " + reason);
    }
    if (state == HttpNfcLeaseState.done) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          "NFC lease " + lease.getVal() + " of VM " + vm.name() + " has already ended",
          null,
          false);
    }
    return Preparation.pending(LEASE_POLL, "NFC lease " + lease.getVal() + " initializing");
  }

  @Override
  public DiskStream open(SourceDisk disk) {
    if (info == null) {
      throw new IllegalStateException("open(" + disk.key() + ") before prepare() reported ready");
    }
    URI url = diskUrl(disk);
    HttpDownload download;
    try {
      download =
          HttpDownload.get(
              url,
              connection.client().sslContext(),
              Map.of("Cookie", connection.sessionCookie()),
              CONNECT_TIMEOUT,
              READ_TIMEOUT);
    } catch (IOException e) {
      throw VimConnection.translate(connection.settings(), "download disk " + disk.name(), e);
    }
    if (download.status() != 200) {
      download.bodyPrefix(512);
      closeQuietly(download);
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          "NFC download of disk "
              + disk.name()
              + " of VM "
              + vm.name()
              + " from "
              + url
              + " answered HTTP "
              + download.status());
    }
    InputStream tracked = new TrackedStream(download.body());
    openStreams.add(tracked);
    log.info("VM {}: downloading disk {} from {}", vm.name(), disk.name(), url);
    return new DiskStream(tracked, DiskFormat.VMDK, download.length());
  }

  /** The disk's NFC URL, its {@code *} host replaced by the host the client connects to. */
  URI diskUrl(SourceDisk disk) {
    HttpNfcLeaseDeviceUrl[] urls =
        info.getDeviceUrl() == null ? new HttpNfcLeaseDeviceUrl[0] : info.getDeviceUrl();
    List<HttpNfcLeaseDeviceUrl> disks =
        java.util.Arrays.stream(urls)
            .filter(u -> u != null && !Boolean.FALSE.equals(u.getDisk()))
            .toList();
    HttpNfcLeaseDeviceUrl match = null;
    for (HttpNfcLeaseDeviceUrl candidate : disks) {
      if (candidate.getKey() != null && candidate.getKey().endsWith("/" + disk.key())) {
        match = candidate;
      }
    }
    if (match == null) {
      throw new VmImportException(
          ErrorCode.EXPORT_FAILED,
          "NFC lease "
              + lease.getVal()
              + " of VM "
              + vm.name()
              + " has no device URL for disk "
              + disk.name()
              + " ("
              + disk.key()
              + "); it offers: "
              + disks.stream().map(HttpNfcLeaseDeviceUrl::getKey).toList(),
          null,
          false);
    }
    return URI.create(withHost(match.getUrl(), connection.settings().hostAndPort()));
  }

  /** Real vCenters write {@code *} for "the host you connected to". */
  static String withHost(String url, String hostAndPort) {
    int start = url.indexOf("://") + 3;
    int end = url.indexOf('/', start);
    String host = end < 0 ? url.substring(start) : url.substring(start, end);
    if (!"*".equals(host) && !host.startsWith("*:")) {
      return url;
    }
    return url.substring(0, start) + hostAndPort + (end < 0 ? "" : url.substring(end));
  }

  @Override
  public void keepAlive(int percentDone) {
    if (ended) {
      return;
    }
    int percent = Math.max(0, Math.min(100, percentDone));
    connection.call(
        "report progress of NFC lease " + lease.getVal(),
        v -> {
          v.httpNfcLeaseProgress(lease, percent);
          return null;
        });
  }

  @Override
  public void complete() {
    if (ended) {
      return;
    }
    ended = true;
    closeStreams();
    connection.call(
        "complete NFC lease " + lease.getVal(),
        v -> {
          v.httpNfcLeaseComplete(lease);
          return null;
        });
    log.info("VM {}: NFC lease {} completed", vm.name(), lease.getVal());
  }

  @Override
  public void abort() {
    if (ended) {
      return;
    }
    ended = true;
    closeStreams();
    try {
      connection.call(
          "abort NFC lease " + lease.getVal(),
          v -> {
            v.httpNfcLeaseAbort(lease, null);
            return null;
          });
    } catch (VmImportException e) {
      throw new VmImportException(
          ErrorCode.CLEANUP_FAILED,
          "NFC lease "
              + lease.getVal()
              + " of VM "
              + vm.name()
              + " could not be aborted: "
              + e.getMessage(),
          e);
    }
    log.info("VM {}: NFC lease {} aborted", vm.name(), lease.getVal());
  }

  private static void closeQuietly(HttpDownload download) {
    try {
      download.close();
    } catch (IOException e) {
      log.debug("closing a failed download failed: {}", e.getMessage());
    }
  }

  private void closeStreams() {
    for (InputStream stream : openStreams) {
      try {
        stream.close();
      } catch (IOException e) {
        log.debug("closing a download stream failed: {}", e.getMessage());
      }
    }
  }

  /** Forgets itself when closed, so that ending the lease closes only what is still open. */
  private final class TrackedStream extends FilterInputStream {
    TrackedStream(InputStream in) {
      super(in);
    }

    @Override
    public void close() throws IOException {
      openStreams.remove(this);
      super.close();
    }
  }
}
