package io.vmimport.provider.ova.internal;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A streamOptimized VMDK of a given capacity that holds no grains: how a {@code Disk} without a
 * file (a disk the appliance expects to find empty) reaches core, which decodes it into a sparse
 * disk of that size without a byte of zeros passing. The grain directory is written up front, all
 * of it empty, as qemu-img writes such files.
 */
final class EmptyVmdk {
  private static final int SECTOR = 512;
  private static final long GRAIN_SECTORS = 128;
  private static final int ENTRIES_PER_TABLE = 512;

  private EmptyVmdk() {}

  static byte[] of(long capacityBytes) {
    long sectors = (capacityBytes + SECTOR - 1) / SECTOR;
    long grains = (sectors + GRAIN_SECTORS - 1) / GRAIN_SECTORS;
    long tables = Math.max(1, (grains + ENTRIES_PER_TABLE - 1) / ENTRIES_PER_TABLE);
    long gdSectors = (tables * 4 + SECTOR - 1) / SECTOR;
    long overhead = 2 + gdSectors;
    byte[] file = new byte[Math.toIntExact((overhead + 1) * SECTOR)];
    ByteBuffer header = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(0, 0x564d444b); // KDMV
    header.putInt(4, 3);
    header.putInt(8, 1 | (1 << 16) | (1 << 17)); // newline test, compressed grains, markers
    header.putLong(12, sectors);
    header.putLong(20, GRAIN_SECTORS);
    header.putLong(28, 1); // descriptor at sector 1
    header.putLong(36, 1);
    header.putInt(44, ENTRIES_PER_TABLE);
    header.putLong(48, 0);
    header.putLong(56, 2); // grain directory at sector 2, all entries 0: no grain anywhere
    header.putLong(64, overhead);
    file[72] = 0;
    file[73] = '\n';
    file[74] = ' ';
    file[75] = '\r';
    file[76] = '\n';
    header.putShort(77, (short) 1); // deflate
    String descriptor =
        "# Disk DescriptorFile\nversion=1\nCID=fffffffe\nparentCID=ffffffff\n"
            + "createType=\"streamOptimized\"\n\n# Extent description\nRW "
            + sectors
            + " SPARSE \"empty.vmdk\"\n\n# The Disk Data Base\n#DDB\n\n"
            + "ddb.adapterType = \"lsilogic\"\nddb.virtualHWVersion = \"4\"\n";
    byte[] text = descriptor.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(text, 0, file, SECTOR, text.length);
    // the last sector stays zero: the end-of-stream marker
    return file;
  }
}
