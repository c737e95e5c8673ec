package io.vmimport.core.internal;

import static io.vmimport.core.internal.FormatRoute.COPY;
import static io.vmimport.core.internal.FormatRoute.SPARSE_COPY;
import static io.vmimport.core.internal.FormatRoute.STAGE_AND_CONVERT;
import static io.vmimport.core.internal.FormatRoute.STREAM_DECODE;
import static org.assertj.core.api.Assertions.assertThat;

import io.vmimport.api.model.DiskFormat;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class FormatRouteTest {
  private static final byte[] NO_HEADER = new byte[512];
  private static final byte[] STREAM_OPTIMIZED = vmdkHeader((1 << 16) | (1 << 17));
  // a monolithicSparse VMDK: the same magic, but neither compressed grains nor markers
  private static final byte[] SPARSE_VMDK = vmdkHeader(0);

  @Test
  void rawIsCopiedSparselyIntoRawAndQcow2() {
    assertThat(FormatRoute.choose(DiskFormat.RAW, DiskFormat.RAW, NO_HEADER))
        .isEqualTo(SPARSE_COPY);
    assertThat(FormatRoute.choose(DiskFormat.RAW, DiskFormat.QCOW2, NO_HEADER))
        .isEqualTo(SPARSE_COPY);
  }

  @Test
  void theTargetsOwnFormatIsCopiedAsItIs() {
    assertThat(FormatRoute.choose(DiskFormat.QCOW2, DiskFormat.QCOW2, NO_HEADER)).isEqualTo(COPY);
    assertThat(FormatRoute.choose(DiskFormat.VMDK, DiskFormat.VMDK, STREAM_OPTIMIZED))
        .as("no decoding when the target takes VMDK")
        .isEqualTo(COPY);
  }

  @Test
  void aStreamOptimizedVmdkIsDecodedAsItArrives() {
    assertThat(FormatRoute.choose(DiskFormat.VMDK, DiskFormat.QCOW2, STREAM_OPTIMIZED))
        .isEqualTo(STREAM_DECODE);
    assertThat(FormatRoute.choose(DiskFormat.VMDK, DiskFormat.RAW, STREAM_OPTIMIZED))
        .isEqualTo(STREAM_DECODE);
  }

  @Test
  void formatsThatNeedRandomAccessAreStagedAndConverted() {
    assertThat(FormatRoute.choose(DiskFormat.VMDK, DiskFormat.QCOW2, SPARSE_VMDK))
        .as("a sparse VMDK is not streamOptimized")
        .isEqualTo(STAGE_AND_CONVERT);
    assertThat(FormatRoute.choose(DiskFormat.VMDK, DiskFormat.QCOW2, new byte[0]))
        .as("an empty stream")
        .isEqualTo(STAGE_AND_CONVERT);
    assertThat(FormatRoute.choose(DiskFormat.QCOW2, DiskFormat.RAW, NO_HEADER))
        .isEqualTo(STAGE_AND_CONVERT);
    assertThat(FormatRoute.choose(DiskFormat.VPC, DiskFormat.QCOW2, NO_HEADER))
        .isEqualTo(STAGE_AND_CONVERT);
  }

  @Test
  void aTargetFormatWithoutAWriterOfOurOwnIsLeftToTheConverter() {
    assertThat(FormatRoute.choose(DiskFormat.RAW, DiskFormat.VMDK, NO_HEADER))
        .isEqualTo(STAGE_AND_CONVERT);
    assertThat(FormatRoute.choose(DiskFormat.VMDK, DiskFormat.VPC, STREAM_OPTIMIZED))
        .isEqualTo(STAGE_AND_CONVERT);
  }

  private static byte[] vmdkHeader(int flags) {
    ByteBuffer header = ByteBuffer.allocate(512).order(ByteOrder.LITTLE_ENDIAN);
    header.putInt(0, 0x564d444b);
    header.putInt(4, 3);
    header.putInt(8, flags);
    return header.array();
  }
}
