package io.vmimport.converter.virtv2v;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BootDiskProbeTest {
  @Test
  void findsPartitionTablesAndWholeDiskFileSystems() {
    byte[] mbr = new byte[BootDiskProbe.PROBE_BYTES];
    mbr[510] = 0x55;
    mbr[511] = (byte) 0xaa;
    assertThat(BootDiskProbe.layout(mbr)).contains("MBR");

    byte[] gpt = mbr.clone();
    System.arraycopy("EFI PART".getBytes(StandardCharsets.US_ASCII), 0, gpt, 512, 8);
    assertThat(BootDiskProbe.layout(gpt)).contains("GPT");

    byte[] ext4 = new byte[BootDiskProbe.PROBE_BYTES];
    ext4[1080] = 0x53;
    ext4[1081] = (byte) 0xef;
    assertThat(BootDiskProbe.layout(ext4)).contains("ext2/3/4");

    byte[] lvm = new byte[BootDiskProbe.PROBE_BYTES];
    System.arraycopy("LABELONE".getBytes(StandardCharsets.US_ASCII), 0, lvm, 512, 8);
    assertThat(BootDiskProbe.layout(lvm)).contains("LVM");
  }

  @Test
  void zerosAndShortHeadsAreNothing() {
    assertThat(BootDiskProbe.layout(new byte[BootDiskProbe.PROBE_BYTES])).isEmpty();
    assertThat(BootDiskProbe.layout(new byte[100])).isEmpty();
  }
}
