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
  private double[] losses = new double[0];

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
  /**
   * This result with the training loss of every step (warm-up included), as the optimizer reported it; a
   * non-finite loss marks the figure as not that of a usable training step.
   */
  ThroughputResult withLosses(double[] stepLosses) {
    ThroughputResult r = new ThroughputResult(settings, engine, stepSeconds, otherCores, worstStepOtherCores);
    r.losses = stepLosses.clone();
    return r;
  }

  /** The loss of every step, warm-up included; empty when the training path does not report it. */
  public double[] losses() {
    return losses.clone();
  }

  /** Whether every reported loss is finite (true when none is reported). */
  public boolean lossesFinite() {
    for (double l : losses) {
      if (Double.isNaN(l) || Double.isInfinite(l)) {
        return false;
      }
    }
    return true;
  }

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
            + "%.3f s/step, range %.2f-%.2f images/s%s) [%s]", settings.describe(), engine,
        settings.path().optionName(), settings.cores(), medianImagesPerSecond(), stepSeconds.length,
        medianStepSeconds(), worstImagesPerSecond(), bestImagesPerSecond(), lossSummary(losses),
        contention(otherCores, worstStepOtherCores));
  }

  /**
   * {@code , loss 6.91 -> 6.54}, or a warning when a loss was not finite (the optimizer then trained on NaN: the
   * figure is not that of a usable training step); empty when no loss is known.
   */
  static String lossSummary(double[] losses) {
    if (losses.length == 0) {
      return "";
    }
    for (double l : losses) {
      if (Double.isNaN(l) || Double.isInfinite(l)) {
        return ", LOSS NOT FINITE: not a usable training step";
      }
    }
    return String.format(Locale.ROOT, ", loss %.3f -> %.3f", losses[0], losses[losses.length - 1]);
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
