package io.effnet.model.bigdl.optim;

import com.intel.analytics.bigdl.tensor.Tensor;

/**
 * TensorFlow's RMSProp with momentum, uncentred ({@code tf.compat.v1.train.RMSPropOptimizer(lr, decay, momentum,
 * epsilon, centered=False)}), the optimizer of the EfficientNet reference (tensorflow/tpu
 * {@code models/official/efficientnet/utils.py build_optimizer}: decay 0.9, momentum 0.9, epsilon 1e-3).
 * BigDL 0.13's {@code RMSprop} has no momentum, adds epsilon outside the square root and starts the mean square
 * at zero.
 *
 * <p>Per element, as TF's {@code ApplyRMSProp} CPU kernel (tensorflow/core/kernels/training_ops.cc):
 * <pre>
 *   ms  = ms + (g^2 - ms) * (1 - decay)            (= decay * ms + (1 - decay) * g^2)
 *   mom = momentum * mom + lr * g / sqrt(ms + epsilon)
 *   x   = x - mom
 * </pre>
 * Epsilon is inside the square root. The mean square starts at <b>one</b>, not zero: TF's
 * {@code RMSPropOptimizer._create_slots} (tensorflow/python/training/rmsprop.py) creates the "rms" slot with
 * {@code init_ops.ones_initializer}; the "momentum" slot starts at zero. With a zero start the first steps would
 * divide by {@code sqrt(0.1 g^2)} and move every weight by about {@code 3 lr}.
 *
 * <p>The buffers are kept in {@link #state()} as {@code "rms"} and {@code "momentum"} (TF's slot names), one pair
 * per parameter shard. Weight decay is not applied here: the model's layers carry their own L2 regularisers (so
 * that batch norm is exempt, as in the reference).
 */
public final class RmsPropMomentum extends ScheduledOptimMethod {
  private static final long serialVersionUID = 1L;

  /** The reference's settings (tensorflow/tpu efficientnet {@code utils.build_optimizer} defaults). */
  public static final double REFERENCE_DECAY = 0.9;
  public static final double REFERENCE_MOMENTUM = 0.9;
  public static final double REFERENCE_EPSILON = 1e-3;

  static final String MEAN_SQUARE = "rms";
  static final String MOMENTUM = "momentum";

  private final double decay;
  private final double momentum;
  private final double epsilon;

  /**
   * @param decay discount of the mean square of gradients, TF's {@code decay} (Keras' {@code rho}), in [0, 1)
   * @param momentum in [0, 1)
   * @param epsilon added to the mean square inside the square root, > 0
   */
  public RmsPropMomentum(RateSchedule schedule, double decay, double momentum, double epsilon) {
    super(schedule);
    if (!(decay >= 0 && decay < 1)) {
      throw new IllegalArgumentException("RMSProp decay must be in [0, 1), got " + decay);
    }
    if (!(momentum >= 0 && momentum < 1)) {
      throw new IllegalArgumentException("momentum must be in [0, 1), got " + momentum);
    }
    if (!(epsilon > 0) || Double.isInfinite(epsilon)) {
      throw new IllegalArgumentException("epsilon must be finite and > 0, got " + epsilon);
    }
    this.decay = decay;
    this.momentum = momentum;
    this.epsilon = epsilon;
  }

  /** Decay 0.9, momentum 0.9, epsilon 1e-3, as the EfficientNet reference. */
  public static RmsPropMomentum efficientNetReference(RateSchedule schedule) {
    return new RmsPropMomentum(schedule, REFERENCE_DECAY, REFERENCE_MOMENTUM, REFERENCE_EPSILON);
  }

  @Override
  protected void update(float[] x, int xo, float[] g, int go, int n, float learningRate) {
    Tensor<Float> msTensor = buffer(MEAN_SQUARE, n, 1f);
    Tensor<Float> momTensor = buffer(MOMENTUM, n, 0f);
    float[] ms = FloatArrays.data(msTensor);
    float[] mom = FloatArrays.data(momTensor);
    int mso = FloatArrays.offset(msTensor);
    int momo = FloatArrays.offset(momTensor);
    // Single precision throughout, as TF casts the hyper-parameters to the variable's type.
    float oneMinusDecay = 1f - (float) decay;
    float mu = (float) momentum;
    float eps = (float) epsilon;
    for (int i = 0; i < n; i++) {
      float gi = g[go + i];
      float s = ms[mso + i];
      s += (gi * gi - s) * oneMinusDecay;
      ms[mso + i] = s;
      float m = mu * mom[momo + i] + learningRate * gi / (float) Math.sqrt(s + eps);
      mom[momo + i] = m;
      x[xo + i] -= m;
    }
  }

  @Override
  protected String describeHyperParameters() {
    return "RMSProp decay " + decay + ", momentum " + momentum + ", epsilon " + epsilon + ".";
  }

  @Override
  protected String[] bufferNames() {
    return new String[] {MEAN_SQUARE, MOMENTUM};
  }

  @Override
  public RmsPropMomentum clone() {
    return (RmsPropMomentum) super.clone();
  }

  public double decay() {
    return decay;
  }

  public double momentum() {
    return momentum;
  }

  public double epsilon() {
    return epsilon;
  }

  @Override
  public String toString() {
    return "RmsPropMomentum(decay " + decay + ", momentum " + momentum + ", epsilon " + epsilon + ", " + schedule()
        + ")";
  }
}
