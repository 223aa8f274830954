package io.effnet.model.bigdl;

/** What the optimizer needs to know; schedules and the RMSProp variant are added by the training issue. */
public final class OptimizerSettings {
  private final double learningRate;
  private final double momentum;

  public OptimizerSettings(double learningRate, double momentum) {
    if (!(learningRate > 0)) {
      throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
    }
    if (momentum < 0 || momentum >= 1) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    this.learningRate = learningRate;
    this.momentum = momentum;
  }

  public double learningRate() { return learningRate; }
  public double momentum() { return momentum; }
}
