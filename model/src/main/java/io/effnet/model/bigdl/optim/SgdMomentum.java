package io.effnet.model.bigdl.optim;

import com.intel.analytics.bigdl.tensor.Tensor;

/**
 * Gradient descent with heavy-ball or Nesterov momentum and a scheduled learning rate, as TensorFlow's
 * {@code MomentumOptimizer} ({@code ApplyMomentum} kernel, tensorflow/core/kernels/training_ops.cc), the
 * reference's {@code --optimizer=momentum}:
 * <pre>
 *   v = momentum * v + g                (v starts at zero)
 *   x = x - lr * v                      (plain)
 *   x = x - lr * (g + momentum * v)     (Nesterov)
 * </pre>
 * This equals BigDL's {@code SGD} with dampening 0, but takes its rate from a {@link RateSchedule} of BigDL's
 * iteration counter (BigDL's SGD schedules keep their own counters) and reports it positive. The velocity is kept
 * in {@link #state()} as {@code "momentum"}, one per parameter shard. No weight decay (the layers' L2 regularisers
 * carry it).
 */
public final class SgdMomentum extends ScheduledOptimMethod {
  private static final long serialVersionUID = 1L;

  static final String VELOCITY = "momentum";

  private final double momentum;
  private final boolean nesterov;

  /**
   * @param momentum in [0, 1); 0 gives plain gradient descent (no buffer kept)
   * @param nesterov Nesterov's look-ahead form (needs momentum > 0)
   */
  public SgdMomentum(RateSchedule schedule, double momentum, boolean nesterov) {
    super(schedule);
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (nesterov && momentum == 0) {
      throw new IllegalArgumentException("Nesterov momentum needs momentum > 0");
    }
    this.momentum = momentum;
    this.nesterov = nesterov;
  }

  @Override
  protected void update(float[] x, int xo, float[] g, int go, int n, float learningRate) {
    if (momentum == 0) {
      for (int i = 0; i < n; i++) {
        x[xo + i] -= learningRate * g[go + i];
      }
      return;
    }
    Tensor<Float> velocity = buffer(VELOCITY, n, 0f);
    float[] v = FloatArrays.data(velocity);
    int vo = FloatArrays.offset(velocity);
    float mu = (float) momentum;
    for (int i = 0; i < n; i++) {
      float gi = g[go + i];
      float vi = mu * v[vo + i] + gi;
      v[vo + i] = vi;
      x[xo + i] -= nesterov ? learningRate * (gi + mu * vi) : learningRate * vi;
    }
  }

  @Override
  protected String describeHyperParameters() {
    return "Momentum " + momentum + (nesterov ? " (Nesterov)." : ".");
  }

  @Override
  protected String[] bufferNames() {
    return new String[] {VELOCITY};
  }

  @Override
  public SgdMomentum clone() {
    return (SgdMomentum) super.clone();
  }

  public double momentum() {
    return momentum;
  }

  public boolean nesterov() {
    return nesterov;
  }

  @Override
  public String toString() {
    return "SgdMomentum(momentum " + momentum + (nesterov ? ", Nesterov" : "") + ", " + schedule() + ")";
  }
}
