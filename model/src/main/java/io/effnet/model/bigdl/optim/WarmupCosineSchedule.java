package io.effnet.model.bigdl.optim;

/**
 * Linear warmup from 0, then cosine decay to 0 at the end of the run: the reference's
 * {@code lr_decay_type='cosine'} ({@code build_learning_rate} in tensorflow/tpu
 * {@code models/official/efficientnet/utils.py}):
 * <pre>
 *   lr           = 0.5 * peak * (1 + cos(pi * step / total_steps))
 *   warmup_steps = int(warmup_epochs * steps_per_epoch)
 *   lr           = peak * step / warmup_steps   if step &lt; warmup_steps
 * </pre>
 * As in the reference, the cosine is counted from step 0, not from the end of the warmup. {@code total_steps} is
 * {@code int(epochs * steps_per_epoch)} with BigDL's steps per epoch ({@code ceil(samples / globalBatch)}); a step
 * past it (a run continued with more epochs than it was planned with) gets rate 0, not the cosine's rise.
 */
public final class WarmupCosineSchedule implements RateSchedule {
  private static final long serialVersionUID = 1L;

  private final double peakLearningRate;
  private final long warmupSteps;
  private final long totalSteps;

  /**
   * @param peakLearningRate the rate at the end of the warmup, before any decay (already scaled for the batch)
   * @param stepsPerEpoch optimisation steps per epoch
   * @param warmupEpochs epochs of linear warmup from 0 (0: none)
   * @param epochs the run's length in epochs: the rate reaches 0 at its end
   */
  public WarmupCosineSchedule(double peakLearningRate, double stepsPerEpoch, double warmupEpochs, double epochs) {
    if (!(epochs > 0) || Double.isInfinite(epochs)) {
      throw new IllegalArgumentException("epochs must be finite and > 0, got " + epochs);
    }
    this.peakLearningRate = peakLearningRate;
    this.warmupSteps = LinearWarmup.steps(peakLearningRate, stepsPerEpoch, warmupEpochs);
    this.totalSteps = Math.max(1, (long) (epochs * stepsPerEpoch));
  }

  @Override
  public double rate(long iteration) {
    if (LinearWarmup.covers(warmupSteps, iteration)) {
      return LinearWarmup.rate(peakLearningRate, warmupSteps, iteration);
    }
    if (iteration >= totalSteps) {
      return 0;
    }
    return 0.5 * peakLearningRate * (1 + Math.cos(Math.PI * iteration / totalSteps));
  }

  /** Steps with a warmup rate: {@code int(warmupEpochs * stepsPerEpoch)}. */
  public long warmupSteps() {
    return warmupSteps;
  }

  /** The step at which the rate reaches 0: {@code int(epochs * stepsPerEpoch)}. */
  public long totalSteps() {
    return totalSteps;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof WarmupCosineSchedule)) {
      return false;
    }
    WarmupCosineSchedule s = (WarmupCosineSchedule) o;
    return Double.compare(s.peakLearningRate, peakLearningRate) == 0 && s.warmupSteps == warmupSteps
        && s.totalSteps == totalSteps;
  }

  @Override
  public int hashCode() {
    return 31 * (31 * Double.hashCode(peakLearningRate) + Long.hashCode(warmupSteps)) + Long.hashCode(totalSteps);
  }

  @Override
  public String toString() {
    return "peak " + peakLearningRate + ", linear warmup over " + warmupSteps + " steps, cosine decay to 0 at step "
        + totalSteps;
  }
}
