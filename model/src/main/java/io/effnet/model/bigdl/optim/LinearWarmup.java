package io.effnet.model.bigdl.optim;

/**
 * The linear warmup both schedules start with, as the reference's {@code build_learning_rate}:
 * {@code warmup_steps = int(warmup_epochs * steps_per_epoch)}, and {@code peak * step / warmup_steps} before it.
 */
final class LinearWarmup {
  private LinearWarmup() {}

  /**
   * Checks the settings every schedule shares and returns the warmup's length in steps.
   *
   * @throws IllegalArgumentException if the peak or the steps per epoch are not finite and > 0, or the warmup
   *     epochs not finite and >= 0
   */
  static long steps(double peakLearningRate, double stepsPerEpoch, double warmupEpochs) {
    if (!(peakLearningRate > 0) || Double.isInfinite(peakLearningRate)) {
      throw new IllegalArgumentException("peak learning rate must be finite and > 0, got " + peakLearningRate);
    }
    if (!(stepsPerEpoch > 0) || Double.isInfinite(stepsPerEpoch)) {
      throw new IllegalArgumentException("steps per epoch must be finite and > 0, got " + stepsPerEpoch);
    }
    if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) {
      throw new IllegalArgumentException("warmup epochs must be finite and >= 0, got " + warmupEpochs);
    }
    // Python's int() truncates towards zero; the product is >= 0 here.
    return (long) (warmupEpochs * stepsPerEpoch);
  }

  /** Whether a step is in the warmup. Rejects a negative step. */
  static boolean covers(long warmupSteps, long iteration) {
    if (iteration < 0) {
      throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
    }
    return iteration < warmupSteps;
  }

  /** The rate of a step in the warmup ({@link #covers}): linear from 0 to the peak. */
  static double rate(double peakLearningRate, long warmupSteps, long iteration) {
    return peakLearningRate * iteration / warmupSteps;
  }
}
