package io.effnet.model.bigdl.optim;

/**
 * The EfficientNet reference learning-rate schedule: linear warmup from 0, then staircase exponential decay
 * counted from step 0.
 *
 * <p>As {@code build_learning_rate} in tensorflow/tpu {@code models/official/efficientnet/utils.py} with
 * {@code lr_decay_type='exponential'}:
 * <pre>
 *   decay_steps  = steps_per_epoch * decay_epochs
 *   lr           = peak * decay_rate ^ floor(step / decay_steps)      (tf.train.exponential_decay, staircase=True)
 *   warmup_steps = int(warmup_epochs * steps_per_epoch)
 *   lr           = peak * step / warmup_steps   if step &lt; warmup_steps
 * </pre>
 * with the reference's defaults warmup 5 epochs, decay 0.97 every 2.4 epochs. {@code step} is TF's global step
 * when the update is applied, i.e. the number of steps already taken, so the first step has rate 0. The decay is
 * counted from step 0, not from the end of the warmup: right after a 5-epoch warmup the rate is already
 * {@code peak * 0.97^2}. The caller passes the already scaled peak (the reference's {@code scaled_lr =
 * base_learning_rate * global_batch / 256}, see {@link #scaledPeak}).
 *
 * <p>The reference computes the exponent in float32; here it is double precision, which can move a decay
 * boundary by one step only when {@code step / decay_steps} is within float rounding of an integer.
 */
public final class WarmupExponentialSchedule implements RateSchedule {
  private static final long serialVersionUID = 1L;

  /** The reference's defaults (tensorflow/tpu efficientnet main.py flags). */
  public static final double REFERENCE_WARMUP_EPOCHS = 5;
  public static final double REFERENCE_DECAY_RATE = 0.97;
  public static final double REFERENCE_DECAY_EPOCHS = 2.4;
  public static final double REFERENCE_BASE_LEARNING_RATE = 0.016;
  /** The batch size the reference's base learning rate is given for. */
  public static final int REFERENCE_BASE_BATCH = 256;

  private final double peakLearningRate;
  private final double warmupEpochs;
  private final double decayRate;
  private final double decayEpochs;
  private final double stepsPerEpoch;
  private final long warmupSteps;
  private final double decaySteps;

  private WarmupExponentialSchedule(Builder b) {
    this.peakLearningRate = b.peakLearningRate;
    this.warmupEpochs = b.warmupEpochs;
    this.decayRate = b.decayRate;
    this.decayEpochs = b.decayEpochs;
    this.stepsPerEpoch = b.stepsPerEpoch;
    this.warmupSteps = LinearWarmup.steps(peakLearningRate, stepsPerEpoch, warmupEpochs);
    this.decaySteps = stepsPerEpoch * decayEpochs;
  }

  /**
   * The reference schedule (warmup 5 epochs, 0.97 every 2.4 epochs).
   *
   * @param peakLearningRate the rate reached at the end of the warmup (already scaled for the global batch)
   * @param stepsPerEpoch optimisation steps per epoch: BigDL runs {@code ceil(samples / globalBatch)} steps per
   *     epoch; the reference uses {@code samples / globalBatch} (not rounded)
   */
  public static WarmupExponentialSchedule efficientNetReference(double peakLearningRate, double stepsPerEpoch) {
    return builder(peakLearningRate, stepsPerEpoch).build();
  }

  /** A builder starting from the reference's warmup and decay settings. */
  public static Builder builder(double peakLearningRate, double stepsPerEpoch) {
    return new Builder(peakLearningRate, stepsPerEpoch);
  }

  /**
   * The reference's linear scaling rule: {@code baseLearningRate * globalBatch / 256} (main.py
   * {@code scaled_lr}; the reference's base rate is {@link #REFERENCE_BASE_LEARNING_RATE}).
   */
  public static double scaledPeak(double baseLearningRate, int globalBatch) {
    if (!(baseLearningRate > 0) || Double.isInfinite(baseLearningRate)) {
      throw new IllegalArgumentException("base learning rate must be finite and > 0, got " + baseLearningRate);
    }
    if (globalBatch <= 0) {
      throw new IllegalArgumentException("global batch must be > 0, got " + globalBatch);
    }
    return baseLearningRate * (globalBatch / (double) REFERENCE_BASE_BATCH);
  }

  @Override
  public double rate(long iteration) {
    if (LinearWarmup.covers(warmupSteps, iteration)) {
      return LinearWarmup.rate(peakLearningRate, warmupSteps, iteration);
    }
    return peakLearningRate * Math.pow(decayRate, Math.floor(iteration / decaySteps));
  }

  /** Epochs (fractional) completed before a step: the reference's {@code current_epoch}. */
  public double epochOf(long iteration) {
    return iteration / stepsPerEpoch;
  }

  public double peakLearningRate() {
    return peakLearningRate;
  }

  public double warmupEpochs() {
    return warmupEpochs;
  }

  public double decayRate() {
    return decayRate;
  }

  public double decayEpochs() {
    return decayEpochs;
  }

  public double stepsPerEpoch() {
    return stepsPerEpoch;
  }

  /** Steps with a warmup rate: {@code int(warmupEpochs * stepsPerEpoch)}. */
  public long warmupSteps() {
    return warmupSteps;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof WarmupExponentialSchedule)) {
      return false;
    }
    WarmupExponentialSchedule s = (WarmupExponentialSchedule) o;
    return Double.compare(s.peakLearningRate, peakLearningRate) == 0
        && Double.compare(s.warmupEpochs, warmupEpochs) == 0
        && Double.compare(s.decayRate, decayRate) == 0
        && Double.compare(s.decayEpochs, decayEpochs) == 0
        && Double.compare(s.stepsPerEpoch, stepsPerEpoch) == 0;
  }

  @Override
  public int hashCode() {
    int h = Double.hashCode(peakLearningRate);
    h = 31 * h + Double.hashCode(warmupEpochs);
    h = 31 * h + Double.hashCode(decayRate);
    h = 31 * h + Double.hashCode(decayEpochs);
    return 31 * h + Double.hashCode(stepsPerEpoch);
  }

  @Override
  public String toString() {
    return "peak " + peakLearningRate + ", linear warmup over " + warmupEpochs + " epochs (" + warmupSteps
        + " steps), then x" + decayRate + " every " + decayEpochs + " epochs (" + stepsPerEpoch
        + " steps per epoch)";
  }

  /** Settings of a {@link WarmupExponentialSchedule}; starts from the reference's values. */
  public static final class Builder {
    private final double peakLearningRate;
    private final double stepsPerEpoch;
    private double warmupEpochs = REFERENCE_WARMUP_EPOCHS;
    private double decayRate = REFERENCE_DECAY_RATE;
    private double decayEpochs = REFERENCE_DECAY_EPOCHS;

    private Builder(double peakLearningRate, double stepsPerEpoch) {
      this.peakLearningRate = peakLearningRate;
      this.stepsPerEpoch = stepsPerEpoch;
    }

    /** Epochs of linear warmup from 0 (0: none). */
    public Builder warmupEpochs(double epochs) {
      this.warmupEpochs = epochs;
      return this;
    }

    /** Factor applied at every decay boundary (1: constant after the warmup). */
    public Builder decayRate(double rate) {
      this.decayRate = rate;
      return this;
    }

    /** Epochs between decay boundaries. */
    public Builder decayEpochs(double epochs) {
      this.decayEpochs = epochs;
      return this;
    }

    public WarmupExponentialSchedule build() {
      LinearWarmup.steps(peakLearningRate, stepsPerEpoch, warmupEpochs);
      if (!(decayRate > 0 && decayRate <= 1)) {
        throw new IllegalArgumentException("decay rate must be in (0, 1], got " + decayRate);
      }
      if (!(decayEpochs > 0) || Double.isInfinite(decayEpochs)) {
        throw new IllegalArgumentException("decay epochs must be finite and > 0, got " + decayEpochs);
      }
      return new WarmupExponentialSchedule(this);
    }
  }
}
