package io.vmimport.core.internal.disk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.ArrayDeque;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Inflates compressed grains on a few threads while the stream is read, and hands them to the sink
 * in stream order. Inflating is what a streamOptimized import spends its CPU on, so using every
 * core roughly divides its time. At most a few grains are in flight: memory stays bounded.
 */
final class InflatePipeline implements AutoCloseable {
  /** A grain ready for the sink. */
  private record Inflated(long offset, byte[] data, int length, long consumed) {}

  private static final AtomicInteger POOLS = new AtomicInteger();

  private final ExtentSink sink;
  private final StreamOptimizedVmdk.ByteCounter progress;
  private final int grainBytes;
  private final int maxInFlight;
  private final ExecutorService pool;
  private final ArrayDeque<Future<Inflated>> inFlight = new ArrayDeque<>();

  InflatePipeline(ExtentSink sink, StreamOptimizedVmdk.ByteCounter progress, int grainBytes) {
    this.sink = sink;
    this.progress = progress;
    this.grainBytes = grainBytes;
    int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    this.maxInFlight = threads * 4;
    int pool = POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    this.pool =
        Executors.newFixedThreadPool(
            threads,
            runnable -> {
              Thread thread =
                  new Thread(runnable, "vmimport-inflate-" + pool + "-" + count.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            });
  }

  /**
   * Queues one grain.
   *
   * @param compressed the grain's deflate data, owned by the pipeline from now on
   * @param limit the bytes of the inflated grain that lie within the disk
   * @param consumed stream bytes read up to the end of this grain, for progress
   */
  void submit(long offset, byte[] compressed, long limit, long markerAt, long consumed)
      throws IOException {
    inFlight.add(
        pool.submit(
            () -> {
              byte[] grain = new byte[grainBytes];
              int length = inflate(compressed, grain, markerAt);
              return new Inflated(offset, grain, (int) Math.min(length, limit), consumed);
            }));
    while (inFlight.size() > maxInFlight) {
      writeOldest();
    }
  }

  /** Writes every queued grain. */
  void drain() throws IOException {
    while (!inFlight.isEmpty()) {
      writeOldest();
    }
  }

  private void writeOldest() throws IOException {
    Inflated grain;
    try {
      grain = inFlight.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("VMDK decoding interrupted");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("VMDK decoding failed: " + e.getCause(), e.getCause());
    }
    sink.write(grain.offset(), grain.data(), grain.length());
    progress.consumed(grain.consumed());
    progress.written(grain.offset() + grain.length());
  }

  private static int inflate(byte[] compressed, byte[] grain, long markerAt) throws IOException {
    Inflater inflater = new Inflater();
    try {
      inflater.setInput(compressed);
      int length = 0;
      while (length < grain.length && !inflater.finished()) {
        int n = inflater.inflate(grain, length, grain.length - length);
        if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
          break;
        }
        length += n;
      }
      if (!inflater.finished()) {
        throw new IOException("VMDK grain at byte " + markerAt + " is truncated or too large");
      }
      return length;
    } catch (DataFormatException e) {
      throw new IOException("VMDK grain at byte " + markerAt + " is corrupt: " + e.getMessage(), e);
    } finally {
      inflater.end();
    }
  }

  @Override
  public void close() {
    pool.shutdownNow();
  }
}
