package io.effnet.model.bigdl;

import io.effnet.model.bigdl.optim.RateSchedule;
import io.effnet.model.bigdl.optim.WarmupCosineSchedule;
import io.effnet.model.bigdl.optim.WarmupExponentialSchedule;
import java.util.Locale;

/**
 * The optimisation recipe: method, learning-rate schedule (linear warmup, then staircase exponential decay or
 * cosine decay to 0 at the end of the run) and label smoothing. {@link #efficientNetReference} is the authors'
 * ImageNet recipe.
 */
public final class OptimizerSettings {
  /** RMSPROP: TF's RMSProp with momentum (the reference). MOMENTUM: SGD with momentum. */
  public enum Method { RMSPROP, MOMENTUM }

  /**
   * The decay after the warmup, as the reference's {@code lr_decay_type}. EXPONENTIAL: x decay rate every decay
   * epochs (staircase). COSINE: half a cosine from the peak to 0 over the run's epochs.
   */
  public enum Decay { EXPONENTIAL, COSINE }

  private final Method method;
  private final double peakLearningRate;
  private final double warmupEpochs;
  private final double decayRate;
  private final double decayEpochs;
  private final double momentum;
  private final boolean nesterov;
  private final double rmsDecay;
  private final double rmsEpsilon;
  private final double labelSmoothing;
  private final Decay decay;
  /** The run's length in epochs, which the cosine decay spans; 0 with the exponential decay. */
  private final double epochs;

  public OptimizerSettings(Method method, double peakLearningRate, double warmupEpochs, double decayRate,
      double decayEpochs, double momentum, boolean nesterov, double rmsDecay, double rmsEpsilon,
      double labelSmoothing) {
    this(method, peakLearningRate, warmupEpochs, decayRate, decayEpochs, momentum, nesterov, rmsDecay, rmsEpsilon,
        labelSmoothing, Decay.EXPONENTIAL, 0);
  }

  private OptimizerSettings(Method method, double peakLearningRate, double warmupEpochs, double decayRate,
      double decayEpochs, double momentum, boolean nesterov, double rmsDecay, double rmsEpsilon,
      double labelSmoothing, Decay decay, double epochs) {
    require(method != null, "optimizer method must be given");
    require(peakLearningRate > 0, "learning rate must be > 0, got " + peakLearningRate);
    require(warmupEpochs >= 0, "warmup epochs must be >= 0, got " + warmupEpochs);
    require(decayRate > 0 && decayRate <= 1, "learning-rate decay rate must be in (0, 1], got " + decayRate);
    require(decayEpochs > 0, "learning-rate decay epochs must be > 0, got " + decayEpochs);
    require(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
    require(rmsDecay >= 0 && rmsDecay < 1, "RMSProp decay must be in [0, 1), got " + rmsDecay);
    require(rmsEpsilon > 0, "RMSProp epsilon must be > 0, got " + rmsEpsilon);
    require(labelSmoothing >= 0 && labelSmoothing < 1, "label smoothing must be in [0, 1), got " + labelSmoothing);
    this.method = method;
    this.peakLearningRate = peakLearningRate;
    this.warmupEpochs = warmupEpochs;
    this.decayRate = decayRate;
    this.decayEpochs = decayEpochs;
    this.momentum = momentum;
    this.nesterov = nesterov;
    this.rmsDecay = rmsDecay;
    this.rmsEpsilon = rmsEpsilon;
    this.labelSmoothing = labelSmoothing;
    this.decay = decay;
    this.epochs = epochs;
  }

  /**
   * These settings with cosine decay to 0 over a run of {@code epochs} (the decay rate and epochs are then unused).
   */
  public OptimizerSettings withCosineDecay(double epochs) {
    require(epochs > 0 && !Double.isInfinite(epochs), "epochs must be finite and > 0, got " + epochs);
    return new OptimizerSettings(method, peakLearningRate, warmupEpochs, decayRate, decayEpochs, momentum, nesterov,
        rmsDecay, rmsEpsilon, labelSmoothing, Decay.COSINE, epochs);
  }

  /** The learning rate by step, for a run with this many optimisation steps per epoch. */
  public RateSchedule schedule(double stepsPerEpoch) {
    if (decay == Decay.COSINE) {
      return new WarmupCosineSchedule(peakLearningRate, stepsPerEpoch, warmupEpochs, epochs);
    }
    return WarmupExponentialSchedule.builder(peakLearningRate, stepsPerEpoch)
        .warmupEpochs(warmupEpochs).decayRate(decayRate).decayEpochs(decayEpochs).build();
  }

  /**
   * The reference recipe: RMSProp (decay 0.9, momentum 0.9, epsilon 1e-3), learning rate 0.016 x global
   * batch / 256, 5 warmup epochs, then x0.97 every 2.4 epochs, label smoothing 0.1.
   */
  public static OptimizerSettings efficientNetReference(int globalBatch) {
    return new OptimizerSettings(Method.RMSPROP,
        WarmupExponentialSchedule.scaledPeak(WarmupExponentialSchedule.REFERENCE_BASE_LEARNING_RATE, globalBatch),
        WarmupExponentialSchedule.REFERENCE_WARMUP_EPOCHS, WarmupExponentialSchedule.REFERENCE_DECAY_RATE,
        WarmupExponentialSchedule.REFERENCE_DECAY_EPOCHS, 0.9, false, 0.9, 1e-3, 0.1);
  }

  /** {@code exponential} or {@code cosine} (any case). */
  public static Decay decay(String name) {
    try {
      return Decay.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("learning-rate decay type must be exponential or cosine, got '" + name + "'");
    }
  }

  public static Method method(String name) {
    try {
      return Method.valueOf(name.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("optimizer must be rmsprop or momentum, got '" + name + "'");
    }
  }

  public Method method() { return method; }
  public double peakLearningRate() { return peakLearningRate; }
  public double warmupEpochs() { return warmupEpochs; }
  public double decayRate() { return decayRate; }
  public double decayEpochs() { return decayEpochs; }
  public double momentum() { return momentum; }
  public boolean nesterov() { return nesterov; }
  public double rmsDecay() { return rmsDecay; }
  public double rmsEpsilon() { return rmsEpsilon; }
  public double labelSmoothing() { return labelSmoothing; }
  public Decay decay() { return decay; }

  private static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }
}
