package io.effnet.jobs.metrics;

import io.effnet.model.bigdl.ClassScores;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Classification figures accumulated sample by sample from logits and true labels: top-1, top-5, mean
 * cross-entropy, the confusion matrix (rows: true class, columns: predicted class) and per-class precision,
 * recall and F1. Mergeable, so Spark can aggregate it over partitions. The predicted class is the top of
 * {@link ClassScores#ranking} (highest logit, ties to the lower id), the same rule the predict job uses.
 *
 * <p>With fewer than 5 classes every label is in the top 5, so top-5 is 1 (as the train job reports it).
 */
public final class ClassificationMetrics implements Serializable {
  private static final long serialVersionUID = 1L;
  private static final int TOP_K = 5;

  private final int classes;
  private final long[][] confusion;
  private long count;
  private long top5Hits;
  private double lossSum;

  public ClassificationMetrics(int classes) {
    if (classes < 1) {
      throw new IllegalArgumentException("classes must be >= 1, got " + classes);
    }
    this.classes = classes;
    this.confusion = new long[classes][classes];
  }

  /** Adds one sample. */
  public ClassificationMetrics add(int label, float[] logits) {
    if (logits.length != classes) {
      throw new IllegalArgumentException("logits for " + logits.length + " classes, expected " + classes);
    }
    if (label < 0 || label >= classes) {
      throw new IllegalArgumentException("label " + label + " is outside 0.." + (classes - 1));
    }
    int predicted = ClassScores.ranking(logits, 1)[0];
    confusion[label][predicted]++;
    if (ClassScores.rank(logits, label) < TOP_K) {
      top5Hits++;
    }
    lossSum -= ClassScores.logProbability(logits, label);
    count++;
    return this;
  }

  /** Adds another accumulator's samples into this one. */
  public ClassificationMetrics merge(ClassificationMetrics other) {
    if (other.classes != classes) {
      throw new IllegalArgumentException("cannot merge metrics of " + other.classes + " classes into " + classes);
    }
    for (int t = 0; t < classes; t++) {
      for (int p = 0; p < classes; p++) {
        confusion[t][p] += other.confusion[t][p];
      }
    }
    count += other.count;
    top5Hits += other.top5Hits;
    lossSum += other.lossSum;
    return this;
  }

  public int classes() {
    return classes;
  }

  public long count() {
    return count;
  }

  /** Share of samples whose predicted class is the label; NaN without samples. */
  public double top1() {
    return count == 0 ? Double.NaN : (double) trace() / count;
  }

  /** Share of samples whose label is among the 5 best classes; NaN without samples. */
  public double top5() {
    return count == 0 ? Double.NaN : (double) top5Hits / count;
  }

  /** Mean cross-entropy -log softmax(logits)[label] (natural log); NaN without samples. */
  public double loss() {
    return count == 0 ? Double.NaN : lossSum / count;
  }

  /** Samples of true class {@code t} predicted as {@code p}. */
  public long confusion(int t, int p) {
    return confusion[t][p];
  }

  /** A copy of the matrix, rows true class, columns predicted class. */
  public long[][] confusionMatrix() {
    long[][] copy = new long[classes][];
    for (int t = 0; t < classes; t++) {
      copy[t] = confusion[t].clone();
    }
    return copy;
  }

  /** Samples whose true class is {@code c}. */
  public long support(int c) {
    long n = 0;
    for (int p = 0; p < classes; p++) {
      n += confusion[c][p];
    }
    return n;
  }

  /** Samples predicted as {@code c}. */
  public long predicted(int c) {
    long n = 0;
    for (int t = 0; t < classes; t++) {
      n += confusion[t][c];
    }
    return n;
  }

  /** TP / (TP + FP); NaN when the class was never predicted. */
  public double precision(int c) {
    long predicted = predicted(c);
    return predicted == 0 ? Double.NaN : (double) confusion[c][c] / predicted;
  }

  /** TP / (TP + FN); NaN when the class has no samples. */
  public double recall(int c) {
    long support = support(c);
    return support == 0 ? Double.NaN : (double) confusion[c][c] / support;
  }

  /**
   * 2 TP / (2 TP + FP + FN): the harmonic mean of precision and recall where both are defined, 0 for a class
   * that has samples but was never predicted (or the reverse), NaN for a class neither present nor predicted.
   */
  public double f1(int c) {
    long tp = confusion[c][c];
    long denominator = support(c) + predicted(c);
    return denominator == 0 ? Double.NaN : 2.0 * tp / denominator;
  }

  /** Mean over the classes where the figure is defined (NaN if it is defined for none). */
  public double macroPrecision() {
    return macro(0);
  }

  public double macroRecall() {
    return macro(1);
  }

  public double macroF1() {
    return macro(2);
  }

  private double macro(int which) {
    double sum = 0;
    int n = 0;
    for (int c = 0; c < classes; c++) {
      double v = which == 0 ? precision(c) : which == 1 ? recall(c) : f1(c);
      if (!Double.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sum / n;
  }

  private long trace() {
    long t = 0;
    for (int c = 0; c < classes; c++) {
      t += confusion[c][c];
    }
    return t;
  }

  /**
   * The per-class table for a report: one map per class id with class, support, predicted, precision,
   * recall, f1 (null where undefined).
   */
  public List<Map<String, Object>> perClass(List<String> names) {
    requireNames(names);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int c = 0; c < classes; c++) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("id", c);
      row.put("class", names.get(c));
      row.put("support", support(c));
      row.put("predicted", predicted(c));
      row.put("precision", finiteOrNull(precision(c)));
      row.put("recall", finiteOrNull(recall(c)));
      row.put("f1", finiteOrNull(f1(c)));
      rows.add(row);
    }
    return rows;
  }

  /** The confusion matrix for a report: axes named, class names in id order, counts[true][predicted]. */
  public Map<String, Object> confusionReport(List<String> names) {
    requireNames(names);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("rows", "true class");
    m.put("columns", "predicted class");
    m.put("classes", names);
    List<List<Long>> counts = new ArrayList<>();
    for (int t = 0; t < classes; t++) {
      List<Long> row = new ArrayList<>();
      for (int p = 0; p < classes; p++) {
        row.add(confusion[t][p]);
      }
      counts.add(row);
    }
    m.put("counts", counts);
    return m;
  }

  private void requireNames(List<String> names) {
    if (names.size() != classes) {
      throw new IllegalArgumentException(names.size() + " class names for " + classes + " classes");
    }
  }

  /** JSON has no NaN: undefined figures are written as null. */
  public static Double finiteOrNull(double v) {
    return Double.isNaN(v) || Double.isInfinite(v) ? null : v;
  }
}
