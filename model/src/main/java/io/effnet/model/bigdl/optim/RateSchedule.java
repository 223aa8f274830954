package io.effnet.model.bigdl.optim;

import java.io.Serializable;

/**
 * A learning rate as a function of the optimisation step. Implementations are small immutable values: they travel
 * to the Spark executors inside the optim method (Java serialization), and every copy must give the same rate.
 */
public interface RateSchedule extends Serializable {

  /**
   * The learning rate for a step.
   *
   * @param iteration steps taken before this one (0 for the first step): TF's {@code global_step} when the update
   *     is applied, BigDL's {@code neval - 1}
   */
  double rate(long iteration);

  /** The same rate at every step. */
  static RateSchedule constant(double learningRate) {
    return new ConstantRate(learningRate);
  }
}
