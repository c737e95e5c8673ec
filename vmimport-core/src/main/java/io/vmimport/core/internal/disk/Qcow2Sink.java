package io.vmimport.core.internal.disk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Writes a compact qcow2 (version 3, 64 KiB clusters, 16-bit refcounts) from extents arriving
 * mostly in ascending order, as a streamOptimized VMDK delivers them. Data clusters are appended as
 * they come and all-zero clusters are never allocated, so the file tracks the allocated data; the
 * tables are written once at the end. Memory: one cluster buffer plus 8 bytes per allocated cluster
 * (about 200 KiB for 1.5 GiB of data), whatever the virtual size.
 *
 * <p>Why not qemu-img: it cannot read a streamOptimized VMDK from a pipe, so using it means staging
 * the whole download first (a second copy of the data in scratch) and reading it again.
 */
public final class Qcow2Sink implements ExtentSink {
  static final int CLUSTER_BITS = 16;
  static final int CLUSTER = 1 << CLUSTER_BITS;
  private static final int HEADER_LENGTH = 104;
  private static final long COPIED = 1L << 63;
  private static final int L2_ENTRIES = CLUSTER / 8;
  private static final int REFCOUNTS_PER_BLOCK = CLUSTER / 2;

  private final FileChannel file;

  /** Guest cluster index to host offset, for allocated clusters. */
  private final Map<Long, Long> mapping = new HashMap<>();

  private final byte[] pending = new byte[CLUSTER];
  private long pendingIndex = -1;
  private boolean pendingDirty;
  private long nextHostCluster = 1; // cluster 0 holds the header

  public Qcow2Sink(Path target) throws IOException {
    this.file =
        FileChannel.open(
            target,
            StandardOpenOption.CREATE_NEW,
            StandardOpenOption.READ,
            StandardOpenOption.WRITE);
  }

  @Override
  public void write(long offset, byte[] data, int length) throws IOException {
    int done = 0;
    while (done < length) {
      long position = offset + done;
      long index = position >>> CLUSTER_BITS;
      int within = (int) (position & (CLUSTER - 1));
      int count = Math.min(length - done, CLUSTER - within);
      if (within == 0 && count == CLUSTER && !mapping.containsKey(index) && index != pendingIndex) {
        // the common case: a whole new cluster, written without copying
        if (!ZeroBlocks.isZero(data, done, done + CLUSTER)) {
          allocateAndWrite(index, data, done);
        }
      } else {
        load(index);
        System.arraycopy(data, done, pending, within, count);
        pendingDirty = true;
      }
      done += count;
    }
  }

  /** Makes {@code index} the pending cluster, flushing the previous one. */
  private void load(long index) throws IOException {
    if (index == pendingIndex) {
      return;
    }
    flushPending();
    Long host = mapping.get(index);
    if (host == null) {
      Arrays.fill(pending, (byte) 0);
    } else {
      ByteBuffer buffer = ByteBuffer.wrap(pending);
      long position = host;
      while (buffer.hasRemaining()) {
        int read = file.read(buffer, position);
        if (read < 0) {
          throw new IOException("qcow2 cluster at " + host + " is truncated");
        }
        position += read;
      }
    }
    pendingIndex = index;
    pendingDirty = false;
  }

  private void flushPending() throws IOException {
    if (pendingIndex < 0 || !pendingDirty) {
      return;
    }
    Long host = mapping.get(pendingIndex);
    if (host != null) {
      writeAt(host, pending, 0, CLUSTER);
    } else if (!ZeroBlocks.isZero(pending, 0, CLUSTER)) {
      allocateAndWrite(pendingIndex, pending, 0);
    }
    pendingDirty = false;
  }

  private void allocateAndWrite(long index, byte[] data, int from) throws IOException {
    long host = nextHostCluster++ << CLUSTER_BITS;
    writeAt(host, data, from, CLUSTER);
    mapping.put(index, host);
  }

  @Override
  public void finish(long diskSize) throws IOException {
    // qemu reads a qcow2's size in whole 512-byte sectors, rounding down: the tail of a disk
    // whose size is not a multiple of 512 would be cut off. Round up, as qemu-img convert does.
    long virtualSize = (diskSize + 511) & ~511L;
    flushPending();
    pendingIndex = -1;
    long guestClusters = (virtualSize + CLUSTER - 1) >>> CLUSTER_BITS;
    int l1Size = (int) Math.max(1, (guestClusters + L2_ENTRIES - 1) / L2_ENTRIES);
    for (long index : mapping.keySet()) {
      if (index >= guestClusters) {
        throw new IOException(
            "data written at cluster " + index + " beyond the virtual size " + virtualSize);
      }
    }

    // L2 tables, one per L1 entry that maps anything
    long[] l1 = new long[l1Size];
    Map<Integer, long[]> l2Tables = new HashMap<>();
    mapping.forEach(
        (index, host) ->
            l2Tables
                    .computeIfAbsent((int) (index / L2_ENTRIES), i -> new long[L2_ENTRIES])[
                    (int) (index % L2_ENTRIES)] =
                host | COPIED);
    for (int i = 0; i < l1Size; i++) {
      long[] table = l2Tables.get(i);
      if (table != null) {
        long host = nextHostCluster++ << CLUSTER_BITS;
        writeAt(host, toBytes(table), 0, CLUSTER);
        l1[i] = host | COPIED;
      }
    }

    // L1 table, cluster aligned
    int l1Clusters = clustersFor(l1Size * 8L);
    long l1Offset = nextHostCluster << CLUSTER_BITS;
    nextHostCluster += l1Clusters;
    byte[] l1Bytes = new byte[l1Clusters * CLUSTER];
    ByteBuffer.wrap(l1Bytes).order(ByteOrder.BIG_ENDIAN).asLongBuffer().put(l1);
    writeAt(l1Offset, l1Bytes, 0, l1Bytes.length);

    // refcount blocks and table must count themselves: find the smallest sizes that fit
    long used = nextHostCluster;
    long blocks = 1;
    long tableClusters = 1;
    while (blocks * REFCOUNTS_PER_BLOCK < used + blocks + tableClusters) {
      blocks++;
      tableClusters = clustersFor(blocks * 8);
    }
    long tableOffset = nextHostCluster << CLUSTER_BITS;
    long firstBlock = nextHostCluster + tableClusters;
    long total = used + tableClusters + blocks;
    long[] table = new long[(int) (tableClusters * CLUSTER / 8)];
    for (int b = 0; b < blocks; b++) {
      table[b] = (firstBlock + b) << CLUSTER_BITS;
    }
    writeAt(tableOffset, toBytes(table), 0, (int) (tableClusters * CLUSTER));
    for (int b = 0; b < blocks; b++) {
      byte[] block = new byte[CLUSTER];
      ByteBuffer refcounts = ByteBuffer.wrap(block).order(ByteOrder.BIG_ENDIAN);
      long first = (long) b * REFCOUNTS_PER_BLOCK;
      for (long cluster = first;
          cluster < Math.min(total, first + REFCOUNTS_PER_BLOCK);
          cluster++) {
        refcounts.putShort((int) (cluster - first) * 2, (short) 1);
      }
      writeAt((firstBlock + b) << CLUSTER_BITS, block, 0, CLUSTER);
    }
    nextHostCluster = total;

    writeAt(0, header(virtualSize, l1Size, l1Offset, tableOffset, (int) tableClusters), 0, CLUSTER);
    file.force(false);
  }

  private static byte[] header(
      long virtualSize, int l1Size, long l1Offset, long refcountTableOffset, int refcountClusters) {
    byte[] cluster = new byte[CLUSTER];
    ByteBuffer header = ByteBuffer.wrap(cluster).order(ByteOrder.BIG_ENDIAN);
    header.putInt(0x514649fb); // "QFI\xfb"
    header.putInt(3); // version
    header.putLong(0); // backing file offset
    header.putInt(0); // backing file name length
    header.putInt(CLUSTER_BITS);
    header.putLong(virtualSize);
    header.putInt(0); // no encryption
    header.putInt(l1Size);
    header.putLong(l1Offset);
    header.putLong(refcountTableOffset);
    header.putInt(refcountClusters);
    header.putInt(0); // snapshots
    header.putLong(0); // snapshots offset
    header.putLong(0); // incompatible features
    header.putLong(0); // compatible features
    header.putLong(0); // autoclear features
    header.putInt(4); // refcount order: 16-bit refcounts
    header.putInt(HEADER_LENGTH);
    // header extensions end with a zero type and length, which the zeroed buffer already holds
    return cluster;
  }

  private static int clustersFor(long bytes) {
    return (int) Math.max(1, (bytes + CLUSTER - 1) / CLUSTER);
  }

  private static byte[] toBytes(long[] values) {
    byte[] bytes = new byte[values.length * 8];
    ByteBuffer.wrap(bytes).order(ByteOrder.BIG_ENDIAN).asLongBuffer().put(values);
    return bytes;
  }

  private void writeAt(long position, byte[] data, int from, int length) throws IOException {
    ByteBuffer buffer = ByteBuffer.wrap(data, from, length);
    while (buffer.hasRemaining()) {
      position += file.write(buffer, position);
    }
  }

  @Override
  public void close() throws IOException {
    file.close();
  }
}
