package io.effnet.model.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * How much CPU other processes took while the benchmark ran, in cores: the machine's busy time from {@code
 * /proc/stat} minus this JVM's own CPU time, sampled every {@link #SAMPLE_MILLIS} ms by a daemon thread so
 * that any interval (a measured step) can be asked about. The load average cannot tell: it counts this
 * benchmark's own threads and trails by minutes. Linux only; elsewhere the figures are NaN.
 */
final class CpuContention {
  /** Kernel clock ticks per second of /proc/stat (USER_HZ, 100 on every mainstream Linux build). */
  private static final double TICKS_PER_SECOND = 100;
  static final long SAMPLE_MILLIS = 100;
  private static final Path PROC_STAT = Paths.get("/proc/stat");

  /** One reading: System.nanoTime(), machine busy ticks, this process's CPU nanoseconds. */
  static final class Sample {
    final long nanos;
    final long busyTicks;
    final long processNanos;

    Sample(long nanos, long busyTicks, long processNanos) {
      this.nanos = nanos;
      this.busyTicks = busyTicks;
      this.processNanos = processNanos;
    }
  }

  private final List<Sample> samples = new ArrayList<>();
  private final double loadAverageBefore;
  private double loadAverageAfter = Double.NaN;
  private final Thread sampler;
  private volatile boolean running = true;

  private CpuContention() {
    this.loadAverageBefore = osBean().getSystemLoadAverage();
    sample();
    this.sampler = new Thread(() -> {
      while (running) {
        try {
          Thread.sleep(SAMPLE_MILLIS);
        } catch (InterruptedException e) {
          return;
        }
        sample();
      }
    }, "cpu-contention-sampler");
    sampler.setDaemon(true);
    sampler.start();
  }

  static CpuContention start() {
    return new CpuContention();
  }

  /** Ends sampling (a last sample is taken). */
  CpuContention stop() {
    running = false;
    sampler.interrupt();
    try {
      sampler.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sample();
    loadAverageAfter = osBean().getSystemLoadAverage();
    return this;
  }

  /** Takes a sample now, so that an interval that just ended is enclosed by samples. */
  void sampleNow() {
    sample();
  }

  private void sample() {
    long ticks = busyTicks(PROC_STAT);
    long own = processCpuNanos();
    if (ticks < 0 || own < 0) {
      return;
    }
    synchronized (samples) {
      samples.add(new Sample(System.nanoTime(), ticks, own));
    }
  }

  /** Cores other processes kept busy on average over the whole sampling; NaN where not measurable. */
  double otherCores() {
    synchronized (samples) {
      return samples.size() < 2 ? Double.NaN : between(samples.get(0), samples.get(samples.size() - 1));
    }
  }

  /**
   * Cores other processes kept busy during {@code [fromNanos, toNanos]} (System.nanoTime()), measured from the
   * samples enclosing it (so over up to one sample period more); NaN when no sample brackets it.
   */
  double otherCores(long fromNanos, long toNanos) {
    synchronized (samples) {
      return otherCores(samples, fromNanos, toNanos);
    }
  }

  static double otherCores(List<Sample> samples, long fromNanos, long toNanos) {
    Sample before = null;
    Sample after = null;
    for (Sample s : samples) {
      if (s.nanos <= fromNanos) {
        before = s;
      }
      if (s.nanos >= toNanos) {
        after = s;
        break;
      }
    }
    return before == null || after == null || after == before ? Double.NaN : between(before, after);
  }

  private static double between(Sample a, Sample b) {
    double wallSeconds = (b.nanos - a.nanos) / 1e9;
    if (wallSeconds <= 0) {
      return Double.NaN;
    }
    double busySeconds = (b.busyTicks - a.busyTicks) / TICKS_PER_SECOND;
    double ownSeconds = (b.processNanos - a.processNanos) / 1e9;
    return Math.max(0, (busySeconds - ownSeconds) / wallSeconds);
  }

  /** E.g. {@code 1-min load 0.52 -> 2.10}. */
  String loadAverages() {
    return String.format(Locale.ROOT, "1-min load %.2f -> %.2f", loadAverageBefore, loadAverageAfter);
  }

  /** Busy ticks of all CPUs from the first line of /proc/stat, or -1 when unreadable. */
  static long busyTicks(Path procStat) {
    try {
      List<String> lines = Files.readAllLines(procStat, StandardCharsets.US_ASCII);
      return lines.isEmpty() ? -1 : parseBusyTicks(lines.get(0));
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /**
   * Busy ticks of an aggregate {@code cpu user nice system idle iowait irq softirq steal ...} line: all but
   * idle and iowait; -1 if the line is not one.
   */
  static long parseBusyTicks(String cpuLine) {
    String[] f = cpuLine.trim().split("\\s+");
    if (f.length < 5 || !f[0].equals("cpu")) {
      return -1;
    }
    long busy = 0;
    try {
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
    } catch (NumberFormatException e) {
      return -1;
    }
    return busy;
  }

  private static OperatingSystemMXBean osBean() {
    return ManagementFactory.getOperatingSystemMXBean();
  }

  private static long processCpuNanos() {
    OperatingSystemMXBean os = osBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean) {
      return ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime();
    }
    return -1;
  }
}
