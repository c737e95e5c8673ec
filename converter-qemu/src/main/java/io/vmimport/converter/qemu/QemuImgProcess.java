package io.vmimport.converter.qemu;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@code qemu-img}. Its stdout is read on a pump thread and handed to the calling
 * thread line by line, so that the caller waits interruptibly (a blocked pipe read cannot be
 * interrupted) and progress listeners run on the caller's thread. Its stderr is drained on another
 * thread into a bounded tail so the process never stalls on a full pipe.
 */
final class QemuImgProcess implements AutoCloseable {
  static final String NOT_FOUND_MESSAGE =
      "qemu-img not found; install qemu-utils (apt-get install qemu-utils)";

  private static final Logger log = LoggerFactory.getLogger(QemuImgProcess.class);

  /** SIGTERM first so qemu-img can close its files; SIGKILL if it does not exit by then. */
  private static final Duration TERMINATE_GRACE = Duration.ofSeconds(2);

  private static final Duration KILL_WAIT = Duration.ofSeconds(10);
  private static final Duration PUMP_WAIT = Duration.ofSeconds(5);
  private static final int STDERR_TAIL_LINES = 8;

  /** Splits runaway output that never ends a line, so memory stays bounded. */
  private static final int MAX_LINE_CHARS = 64 * 1024;

  private final Process process;
  private final String description;

  /** Lines of stdout; an empty element marks its end. */
  private final BlockingQueue<Optional<String>> stdout = new LinkedBlockingQueue<>();

  private final LineTail stderr = new LineTail(STDERR_TAIL_LINES);
  private final Thread stdoutPump;
  private final Thread stderrPump;
  private volatile IOException stdoutFailure;
  private boolean stdoutEnded;

  private QemuImgProcess(Process process, String description) {
    this.process = process;
    this.description = description;
    this.stdoutPump =
        pump("stdout", process.getInputStream(), line -> stdout.add(Optional.of(line)), true);
    this.stderrPump =
        pump(
            "stderr",
            process.getErrorStream(),
            line -> {
              log.debug("{}: {}", description, line);
              stderr.add(line);
            },
            false);
  }

  /**
   * Starts {@code command}.
   *
   * @param description what runs, for messages, e.g. {@code qemu-img convert of /scratch/disk-0}
   * @throws VmImportException {@code NOT_SUPPORTED} when the executable cannot be run
   */
  static QemuImgProcess start(List<String> command, String description) {
    requireNonNull(command, "command is null");
    requireNonNull(description, "description is null");
    log.debug("running {}", command);
    Process process;
    try {
      process = new ProcessBuilder(command).start();
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED,
          NOT_FOUND_MESSAGE
              + " or configure the path of qemu-img: cannot run "
              + command.get(0)
              + ": "
              + e.getMessage(),
          e);
    }
    try {
      // qemu-img never reads stdin; EOF there beats a prompt that would wait forever.
      process.getOutputStream().close();
    } catch (IOException e) {
      process.destroyForcibly();
      throw new VmImportException(
          ErrorCode.CONVERSION_FAILED, "cannot close stdin of " + description, e);
    }
    return new QemuImgProcess(process, description);
  }

  /**
   * The next line qemu-img printed on stdout (lines end at CR or LF), or empty once stdout is
   * closed. Blocks until a line arrives.
   */
  Optional<String> nextLine() throws InterruptedException {
    if (stdoutEnded) {
      return Optional.empty();
    }
    Optional<String> line = stdout.take();
    if (line.isEmpty()) {
      stdoutEnded = true;
      IOException failure = stdoutFailure;
      if (failure != null) {
        throw new VmImportException(
            ErrorCode.CONVERSION_FAILED, "cannot read the output of " + description, failure);
      }
    }
    return line;
  }

  /** Waits for the exit and for stderr to be read to its end; returns the exit code. */
  int waitFor() throws InterruptedException {
    int exitCode = process.waitFor();
    // Pipes reach EOF when the process exits; the bound only guards against a grandchild that
    // inherited them.
    stderrPump.join(PUMP_WAIT.toMillis());
    stdoutPump.join(PUMP_WAIT.toMillis());
    return exitCode;
  }

  /** The last lines qemu-img printed on stderr. */
  LineTail stderr() {
    return stderr;
  }

  /** Stops qemu-img if it still runs, and waits until it is gone. */
  @Override
  public void close() {
    if (!process.isAlive()) {
      return;
    }
    log.debug("stopping {} (pid {})", description, process.pid());
    boolean interrupted = false;
    try {
      process.destroy();
      Exit exit = awaitExit(TERMINATE_GRACE);
      interrupted = exit.interrupted();
      if (!exit.exited()) {
        process.destroyForcibly();
        exit = awaitExit(KILL_WAIT);
        interrupted |= exit.interrupted();
        if (!exit.exited()) {
          log.warn(
              "{} (pid {}) did not exit within {} after SIGKILL",
              description,
              process.pid(),
              KILL_WAIT);
        }
      }
    } finally {
      if (interrupted) {
        // A second interrupt arrived while we were already stopping; keep it for the caller.
        Thread.currentThread().interrupt();
      }
    }
  }

  private record Exit(boolean exited, boolean interrupted) {}

  /** Waits for the exit even when interrupted: the caller must not leave a running qemu-img. */
  private Exit awaitExit(Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    while (true) {
      try {
        return new Exit(
            process.waitFor(deadline - System.nanoTime(), TimeUnit.NANOSECONDS), interrupted);
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private Thread pump(
      String streamName, InputStream stream, Consumer<String> lines, boolean isStdout) {
    Thread thread =
        new Thread(
            () -> {
              try (Reader reader = new BufferedReader(new InputStreamReader(stream, UTF_8))) {
                readLines(reader, lines);
              } catch (IOException e) {
                if (isStdout) {
                  stdoutFailure = e;
                } else {
                  stderr.add("(cannot read stderr: " + e + ")");
                }
              } finally {
                if (isStdout) {
                  stdout.add(Optional.empty());
                }
              }
            },
            "qemu-img-" + streamName + "-" + process.pid());
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * Splits a stream into lines at CR or LF. qemu-img redraws its progress with a bare CR, so a
   * line-based reader would see one endless line. Empty lines are dropped.
   */
  static void readLines(Reader reader, Consumer<String> lines) throws IOException {
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = reader.read()) != -1) {
      if (c == '\r' || c == '\n') {
        emit(line, lines);
      } else {
        line.append((char) c);
        if (line.length() >= MAX_LINE_CHARS) {
          emit(line, lines);
        }
      }
    }
    emit(line, lines);
  }

  private static void emit(StringBuilder line, Consumer<String> lines) {
    if (line.length() > 0) {
      lines.accept(line.toString());
      line.setLength(0);
    }
  }
}
