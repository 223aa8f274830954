package io.effnet.model.bigdl;

import java.util.Locale;

/** Evaluation figures of a model on one data set. */
public final class Metrics {
  private final double top1;
  private final double top5;
  private final double loss;
  private final long count;

  public Metrics(double top1, double top5, double loss, long count) {
    this.top1 = top1;
    this.top5 = top5;
    this.loss = loss;
    this.count = count;
  }

  public double top1() { return top1; }
  public double top5() { return top5; }
  public double loss() { return loss; }
  /** Number of samples evaluated. */
  public long count() { return count; }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "top1=%.4f top5=%.4f loss=%.4f n=%d", top1, top5, loss, count);
  }
}
