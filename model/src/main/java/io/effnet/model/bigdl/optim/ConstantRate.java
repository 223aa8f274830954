package io.effnet.model.bigdl.optim;

/** A fixed learning rate. */
public final class ConstantRate implements RateSchedule {
  private static final long serialVersionUID = 1L;
  private final double learningRate;

  public ConstantRate(double learningRate) {
    if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
      throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
    }
    this.learningRate = learningRate;
  }

  @Override
  public double rate(long iteration) {
    if (iteration < 0) {
      throw new IllegalArgumentException("iteration must be >= 0, got " + iteration);
    }
    return learningRate;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ConstantRate && Double.compare(((ConstantRate) o).learningRate, learningRate) == 0;
  }

  @Override
  public int hashCode() {
    return Double.hashCode(learningRate);
  }

  @Override
  public String toString() {
    return "constant " + learningRate;
  }
}
