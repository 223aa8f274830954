package io.effnet.model.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Where a training step's time goes: forward and backward milliseconds per step and per core, grouped by a key
 * (a layer class, or a layer's role in the network such as {@code dwconv} or {@code expand_conv}), plus the
 * step's wall time split into compute, gradient summation and parameter update.
 */
public final class LayerProfile {
  /** One group's time per step per replica. */
  public static final class Entry {
    private final String key;
    private final int layers;
    private final double forwardMs;
    private final double backwardMs;

    Entry(String key, int layers, double forwardMs, double backwardMs) {
      this.key = key;
      this.layers = layers;
      this.forwardMs = forwardMs;
      this.backwardMs = backwardMs;
    }

    public String key() { return key; }
    /** Layers in the group (per replica). */
    public int layers() { return layers; }
    public double forwardMs() { return forwardMs; }
    public double backwardMs() { return backwardMs; }
    public double totalMs() { return forwardMs + backwardMs; }
  }

  private final BenchmarkSettings settings;
  private final String engine;
  private final int replicas;
  private final double stepMs;
  private final double computeMs;
  private final double gradientSumMs;
  private final double updateMs;
  private final List<Entry> byClass;
  private final List<Entry> byRole;
  private final ThroughputResult steps;

  LayerProfile(BenchmarkSettings settings, String engine, int replicas, double stepMs, double computeMs,
      double gradientSumMs, double updateMs, List<Entry> byClass, List<Entry> byRole, ThroughputResult steps) {
    this.settings = settings;
    this.engine = engine;
    this.replicas = replicas;
    this.stepMs = stepMs;
    this.computeMs = computeMs;
    this.gradientSumMs = gradientSumMs;
    this.updateMs = updateMs;
    this.byClass = Collections.unmodifiableList(sortedByTotal(byClass));
    this.byRole = Collections.unmodifiableList(sortedByTotal(byRole));
    this.steps = steps;
  }

  /** The profiled steps' times, as the throughput runs report them. */
  public ThroughputResult steps() { return steps; }

  /** The one line, as {@link ThroughputResult#line()} with path {@code profile}. */
  public String line() {
    return String.format(Locale.ROOT, "%s engine %s path profile cores %d: %.2f images/s (median of %d steps,"
            + " %.3f s/step%s) [%s]", settings.describe(), engine, settings.cores(), imagesPerSecond(),
        steps.stepSeconds().length, stepMs / 1000, ThroughputResult.lossSummary(steps.losses()),
        ThroughputResult.contention(steps.otherCores(), steps.worstStepOtherCores()));
  }

  public BenchmarkSettings settings() { return settings; }
  public String engine() { return engine; }
  /** Model replicas that ran in parallel (one per core on the default engine, one on MKL-DNN). */
  public int replicas() { return replicas; }
  /** Median wall time of a whole step. */
  public double stepMs() { return stepMs; }
  /** Median wall time of the parallel forward + loss + backward. */
  public double computeMs() { return computeMs; }
  /** Median wall time of summing the replicas' gradients. */
  public double gradientSumMs() { return gradientSumMs; }
  /** Median wall time of the SGD update. */
  public double updateMs() { return updateMs; }
  /** Per layer class, largest first. */
  public List<Entry> byClass() { return byClass; }
  /** Per role in the network ({@code dwconv}, {@code expand_conv}, {@code se_reduce}, ...), largest first. */
  public List<Entry> byRole() { return byRole; }

  public double imagesPerSecond() {
    return settings.batchSize() / (stepMs / 1000);
  }

  /** A readable report: the step split, then both tables with their share of the layers' total. */
  public String format() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "profile %s engine %s, %d replica(s) of %d images: %.1f ms/step = %.2f"
            + " images/s; compute %.1f ms, gradient sum %.1f ms, update %.1f ms (medians)%n", settings.describe(),
        engine, replicas, settings.batchSize() / replicas, stepMs, imagesPerSecond(), computeMs, gradientSumMs,
        updateMs));
    if ("mkldnn".equals(engine)) {
      b.append("  (MKL-DNN graphs clock their layers' forward only: backward times are 0 here and are in the compute"
          + " time)\n");
    }
    table(b, "by layer class", byClass);
    table(b, "by role", byRole);
    return b.toString();
  }

  private static void table(StringBuilder b, String title, List<Entry> entries) {
    double sum = 0;
    for (Entry e : entries) {
      sum += e.totalMs();
    }
    b.append(String.format(Locale.ROOT, "  %s (ms per step per replica; layer times sum to %.1f ms)%n", title, sum));
    b.append(String.format(Locale.ROOT, "    %-34s %6s %9s %9s %9s %6s%n", "", "layers", "forward", "backward",
        "total", "share"));
    for (Entry e : entries) {
      b.append(String.format(Locale.ROOT, "    %-34s %6d %9.2f %9.2f %9.2f %5.1f%%%n", e.key(), e.layers(),
          e.forwardMs(), e.backwardMs(), e.totalMs(), sum > 0 ? 100 * e.totalMs() / sum : 0));
    }
  }

  /**
   * The role of a layer named as {@code EfficientNetBuilder} names them: the part after {@code blockNx_}
   * ({@code block2a_dwconv} is {@code dwconv}), else the name itself ({@code stem_conv}, {@code top_bn}).
   */
  static String role(String layerName) {
    return layerName.replaceFirst("^block\\d+[a-z]+_", "");
  }

  /** Sums (layers, forward, backward) into groups, keeping first-seen order. */
  static final class Accumulator {
    private final Map<String, double[]> groups = new LinkedHashMap<>();

    void add(String key, double forwardMs, double backwardMs) {
      double[] g = groups.get(key);
      if (g == null) {
        g = new double[3];
        groups.put(key, g);
      }
      g[0] += 1;
      g[1] += forwardMs;
      g[2] += backwardMs;
    }

    /** Entries with times divided by {@code divisor} and layer counts by {@code layerDivisor}. */
    List<Entry> entries(double divisor, int layerDivisor) {
      List<Entry> out = new ArrayList<>();
      for (Map.Entry<String, double[]> e : groups.entrySet()) {
        double[] g = e.getValue();
        out.add(new Entry(e.getKey(), (int) Math.round(g[0] / layerDivisor), g[1] / divisor, g[2] / divisor));
      }
      return out;
    }
  }

  private static List<Entry> sortedByTotal(List<Entry> entries) {
    List<Entry> sorted = new ArrayList<>(entries);
    sorted.sort((a, b) -> Double.compare(b.totalMs(), a.totalMs()));
    return sorted;
  }
}
