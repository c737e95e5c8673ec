package io.vmimport.converter.virtv2v;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.vmimport.api.ErrorCode;
import io.vmimport.api.VmImportException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run of a libguestfs tool in a process group of its own ({@code setsid}): the tool starts
 * nbdkit and a QEMU appliance, and stopping it must stop them too, so a cancel or a timeout signals
 * the whole group. Its stdout and stderr are read on threads of their own; their lines go to a
 * listener and into a bounded tail for messages.
 */
final class ToolRun {
  private static final Logger log = LoggerFactory.getLogger(ToolRun.class);

  /** SIGTERM first, so that the tool removes its temporary files; SIGKILL after this. */
  private static final Duration TERMINATE_GRACE = Duration.ofSeconds(10);

  private static final Duration POLL = Duration.ofMillis(200);
  private static final int TAIL_LINES = 40;

  /** How a run ended. */
  enum End {
    EXITED,
    TIMED_OUT,
    CANCELLED
  }

  record Result(End end, int exitCode, List<String> stdout, List<String> tail, Duration took) {
    boolean succeeded() {
      return end == End.EXITED && exitCode == 0;
    }
  }

  private ToolRun() {}

  /**
   * Runs {@code command} to its end, its timeout, or a cancel ({@code cancelled} returns true, or
   * the calling thread is interrupted: the interrupt is kept for the caller).
   *
   * @param stdoutLines receives each line of stdout as it arrives (on a reader thread)
   */
  static Result run(
      List<String> command,
      Map<String, String> environment,
      Path workDir,
      Duration timeout,
      BooleanSupplier cancelled,
      Consumer<String> stdoutLines) {
    List<String> full = new ArrayList<>();
    full.add("setsid");
    full.addAll(command);
    ProcessBuilder builder = new ProcessBuilder(full).directory(workDir.toFile());
    builder.environment().putAll(environment);
    log.debug("running {} with {}", full, environment);
    long start = System.nanoTime();
    Process process;
    try {
      process = builder.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new VmImportException(
          ErrorCode.NOT_SUPPORTED, "cannot run " + command.get(0) + ": " + e.getMessage(), e);
    }
    ArrayDeque<String> tail = new ArrayDeque<>();
    List<String> stdout = new ArrayList<>();
    Thread out =
        pump(
            process.getInputStream(),
            line -> {
              synchronized (tail) {
                stdout.add(line);
                keep(tail, line);
              }
              stdoutLines.accept(line);
            },
            command.get(0) + "-stdout");
    Thread err =
        pump(
            process.getErrorStream(),
            line -> {
              log.debug("{}: {}", command.get(0), line);
              synchronized (tail) {
                keep(tail, line);
              }
            },
            command.get(0) + "-stderr");
    long deadline = start + timeout.toNanos();
    End end = End.EXITED;
    boolean interrupted = false;
    try {
      while (!process.waitFor(POLL.toMillis(), TimeUnit.MILLISECONDS)) {
        if (cancelled.getAsBoolean()) {
          end = End.CANCELLED;
          break;
        }
        if (System.nanoTime() - deadline > 0) {
          end = End.TIMED_OUT;
          break;
        }
      }
    } catch (InterruptedException e) {
      interrupted = true;
      end = End.CANCELLED;
    }
    if (end != End.EXITED) {
      interrupted |= stopGroup(process, command.get(0));
    }
    interrupted |= join(out);
    interrupted |= join(err);
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    synchronized (tail) {
      return new Result(
          end,
          end == End.EXITED ? process.exitValue() : -1,
          List.copyOf(stdout),
          List.copyOf(tail),
          Duration.ofNanos(System.nanoTime() - start));
    }
  }

  /**
   * SIGTERM to the group, then SIGKILL to what is left of it. Waits even when interrupted: the
   * caller must not commit or remove overlays that a running appliance still writes.
   *
   * @return whether an interrupt arrived meanwhile
   */
  private static boolean stopGroup(Process process, String name) {
    long pgid = process.pid(); // setsid made the tool the leader of a new group
    log.info("stopping {} (process group {})", name, pgid);
    boolean interrupted = signal("TERM", pgid);
    interrupted |= awaitGroupExit(pgid, TERMINATE_GRACE);
    if (groupAlive(pgid)) {
      interrupted |= signal("KILL", pgid);
      interrupted |= awaitGroupExit(pgid, TERMINATE_GRACE);
    }
    if (groupAlive(pgid)) {
      log.warn("{}: process group {} still has members after SIGKILL", name, pgid);
    }
    return interrupted;
  }

  private static boolean signal(String signal, long pgid) {
    boolean interrupted = false;
    try {
      Process kill = new ProcessBuilder("kill", "-" + signal, "--", "-" + pgid).start();
      while (true) {
        try {
          kill.waitFor();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } catch (IOException e) {
      log.warn("cannot signal process group {}: {}", pgid, e.toString());
    }
    return interrupted;
  }

  private static boolean awaitGroupExit(long pgid, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    boolean interrupted = false;
    while (groupAlive(pgid) && System.nanoTime() - deadline < 0) {
      try {
        Thread.sleep(POLL.toMillis());
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    return interrupted;
  }

  /** Whether any process is still in group {@code pgid} (zombies do not count). */
  static boolean groupAlive(long pgid) {
    try (var stream = java.nio.file.Files.list(Path.of("/proc"))) {
      return stream
          .filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .anyMatch(p -> inGroup(p, pgid));
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean inGroup(Path proc, long pgid) {
    try {
      String stat = java.nio.file.Files.readString(proc.resolve("stat"));
      // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return !fields[0].equals("Z") && Long.parseLong(fields[2]) == pgid;
    } catch (IOException | RuntimeException e) {
      return false; // gone meanwhile
    }
  }

  private static void keep(ArrayDeque<String> tail, String line) {
    if (tail.size() == TAIL_LINES) {
      tail.removeFirst();
    }
    tail.addLast(line.length() > 500 ? line.substring(0, 500) + "..." : line);
  }

  private static boolean join(Thread thread) {
    boolean interrupted = false;
    while (true) {
      try {
        // the pipes end when the group is gone; the bound guards against an orphan holding them
        thread.join(TERMINATE_GRACE.toMillis());
        return interrupted;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
  }

  private static Thread pump(InputStream stream, Consumer<String> lines, String name) {
    Thread thread =
        new Thread(
            () -> {
              try (BufferedReader reader =
                  new BufferedReader(new InputStreamReader(stream, UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                  if (!line.isBlank()) {
                    lines.accept(line.stripTrailing());
                  }
                }
              } catch (IOException e) {
                lines.accept("(cannot read " + name + ": " + e + ")");
              }
            },
            name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }
}
