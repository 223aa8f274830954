package io.effnet.model.bench;

import java.util.Arrays;
import java.util.Locale;

/** The timed steps of one benchmark run: images per step and the wall time of each measured step. */
public final class ThroughputResult {
  private final BenchmarkSettings settings;
  private final String engine;
  private final double[] stepSeconds;
  private final double otherCores;
  private final double worstStepOtherCores;

  /**
   * @param engine the BigDL engine the steps ran on ({@code mklblas} or {@code mkldnn})
   * @param stepSeconds wall time of every measured (post warm-up) step, in order
   * @param otherCores cores other processes kept busy over the measured steps (NaN: unknown)
   * @param worstStepOtherCores the same for the measured step where it was highest (NaN: unknown)
   */
  public ThroughputResult(BenchmarkSettings settings, String engine, double[] stepSeconds, double otherCores,
      double worstStepOtherCores) {
    if (stepSeconds.length == 0) {
      throw new BenchmarkException("no measured step");
    }
    for (double s : stepSeconds) {
      if (!(s > 0) || Double.isInfinite(s)) {
        throw new BenchmarkException("a step time must be positive and finite, got " + s);
      }
    }
    this.settings = settings;
    this.engine = engine;
    this.stepSeconds = stepSeconds.clone();
    this.otherCores = otherCores;
    this.worstStepOtherCores = worstStepOtherCores;
  }

  /**
   * The figures of steps that ended at the given {@code System.nanoTime()} values, with the CPU other processes
   * took meanwhile.
   */
  static ThroughputResult of(BenchmarkSettings settings, String engine, double[] stepSeconds, long[] stepEndNanos,
      CpuContention contention) {
    contention.sampleNow();
    double worst = Double.NaN;
    long firstStart = Long.MAX_VALUE;
    long lastEnd = Long.MIN_VALUE;
    for (int i = 0; i < stepSeconds.length; i++) {
      long start = stepEndNanos[i] - (long) (stepSeconds[i] * 1e9);
      firstStart = Math.min(firstStart, start);
      lastEnd = Math.max(lastEnd, stepEndNanos[i]);
      double others = contention.otherCores(start, stepEndNanos[i]);
      if (!Double.isNaN(others) && !(others <= worst)) {
        worst = others;
      }
    }
    return new ThroughputResult(settings, engine, stepSeconds, contention.otherCores(firstStart, lastEnd), worst);
  }

  public BenchmarkSettings settings() { return settings; }
  public String engine() { return engine; }
  /** Cores other processes kept busy over the measured steps; NaN when unknown. */
  public double otherCores() { return otherCores; }
  public double worstStepOtherCores() { return worstStepOtherCores; }

  public double[] stepSeconds() {
    return stepSeconds.clone();
  }

  public double medianStepSeconds() {
    return median(stepSeconds);
  }

  /** Training images per second at the median step time. */
  public double medianImagesPerSecond() {
    return settings.batchSize() / medianStepSeconds();
  }

  /** Images per second of the fastest measured step. */
  public double bestImagesPerSecond() {
    double min = stepSeconds[0];
    for (double s : stepSeconds) {
      min = Math.min(min, s);
    }
    return settings.batchSize() / min;
  }

  /** Images per second of the slowest measured step. */
  public double worstImagesPerSecond() {
    double max = stepSeconds[0];
    for (double s : stepSeconds) {
      max = Math.max(max, s);
    }
    return settings.batchSize() / max;
  }

  /**
   * The one line the benchmark prints, e.g. {@code b0 224x224 batch 32 engine mklblas path distri cores 2:
   * 4.31 images/s (median of 5 steps, 7.424 s/step, range 4.20-4.40 images/s) [other processes 0.02 cores
   * during the measured steps, worst step 0.05]}.
   */
  public String line() {
    return String.format(Locale.ROOT, "%s engine %s path %s cores %d: %.2f images/s (median of %d steps, "
            + "%.3f s/step, range %.2f-%.2f images/s) [%s]", settings.describe(), engine, settings.path().optionName(),
        settings.cores(), medianImagesPerSecond(), stepSeconds.length, medianStepSeconds(), worstImagesPerSecond(),
        bestImagesPerSecond(), contention(otherCores, worstStepOtherCores));
  }

  /** {@code other processes 0.02 cores during the measured steps, worst step 0.05}, or that it is unknown. */
  static String contention(double otherCores, double worstStep) {
    if (Double.isNaN(otherCores)) {
      return "other processes' CPU use unknown";
    }
    return String.format(Locale.ROOT, "other processes %.2f cores during the measured steps, worst step %.2f",
        otherCores, worstStep);
  }

  /** The median; the mean of the two middle values for an even count. */
  static double median(double[] values) {
    if (values.length == 0) {
      throw new BenchmarkException("median of no values");
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  @Override
  public String toString() {
    return line();
  }
}
