package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;
import java.util.SplittableRandom;
import scala.collection.Seq;

/**
 * Drop connect / stochastic depth on a residual branch, as the TF EfficientNet reference's {@code
 * drop_connect}: in training each sample's whole branch output is kept with probability {@code p = 1 - rate}
 * and scaled by {@code 1 / p}, or zeroed; a new mask is drawn on every forward and backward applies the same
 * mask. In evaluation mode (or with rate 0) it is the identity.
 *
 * <p>Randomness: each training forward's mask comes from a stream that is a pure function of the run seed
 * ({@link #seedMasks}, which the trainer sets from its seed), the layer's name, this copy's forward count and a
 * hash of the input ({@link MaskStream}): repeatable for a seed, whatever threads BigDL runs its model replicas
 * on, while replicas (equal copies fed different slices of a batch) still draw different masks.
 *
 * <p>The identity case copies instead of returning the input tensor itself: an aliased output would be
 * emptied by {@code clearState()} and written into by the next training forward.
 *
 * <p>Frozen ({@code freeze()} without names, as a fine-tune freezes the backbone) it stays the identity even when
 * asked for training mode, which BigDL's optimizers do before every step: a frozen backbone computes its inference
 * function, as Keras' {@code base_model(x, training=False)}.
 */
public final class DropConnect extends TensorModule<Float> implements SeededMasks {
  private static final long serialVersionUID = 1L;

  private final double rate;
  private long runSeed;
  /** Training forwards (with a mask) of this copy since the last {@link #seedMasks}. */
  private long forwardCount;
  /** Per sample of the last training forward, true if kept; null when that forward was the identity. */
  private boolean[] kept;
  private boolean frozen;

  /** Drop connect with run seed 0 until {@link #seedMasks}; {@code rate} in [0, 1). */
  public DropConnect(double rate) {
    this(rate, 0L);
  }

  /** Drop connect with masks drawn from run seed {@code seed}. */
  public DropConnect(double rate, long seed) {
    super(BigDL.tag(), BigDL.numeric());
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("drop connect rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
    this.runSeed = seed;
  }

  @Override
  public void seedMasks(long seed) {
    this.runSeed = seed;
    this.forwardCount = 0;
  }

  /** The probability of dropping a sample's branch in training. */
  public double rate() {
    return rate;
  }

  /** Which samples the last training forward kept (a copy), or null if that forward was the identity. */
  public boolean[] lastMask() {
    return kept == null ? null : kept.clone();
  }

  /** Whether it is frozen: the identity in training mode too. */
  public boolean isFrozen() {
    return frozen;
  }

  /** Without names: freezes this layer (evaluation mode now and on every later {@link #training()}). */
  @Override
  public DropConnect freeze(Seq<String> names) {
    super.freeze(names);
    if (names.isEmpty()) {
      frozen = true;
      train_$eq(false);
    }
    return this;
  }

  /** Without names: unfreezes; it drops branches again from its next {@link #training()}. */
  @Override
  public DropConnect unFreeze(Seq<String> names) {
    super.unFreeze(names);
    if (names.isEmpty()) {
      frozen = false;
    }
    return this;
  }

  /** Training mode, unless frozen: then evaluation mode, whoever asks. */
  @Override
  public DropConnect training() {
    if (frozen) {
      train_$eq(false);
    } else {
      super.training();
    }
    return this;
  }

  @Override
  public Tensor<Float> updateOutput(Tensor<Float> input) {
    Tensor<Float> x = Dense.contiguous(input);
    Tensor<Float> y = output().resizeAs(x);
    if (!isTraining() || rate == 0) {
      kept = null;
      return y.copy(x);
    }
    if (x.dim() < 2) {
      throw new IllegalArgumentException("DropConnect " + getName() + " drops whole samples: input must be"
          + " (N, ...), got " + x.dim() + " dimension(s)");
    }
    int samples = x.size(1);
    double keep = 1 - rate;
    kept = new boolean[samples];
    SplittableRandom random = MaskStream.of(runSeed, getName(), forwardCount++, Dense.data(x), Dense.offset(x),
        x.nElement());
    for (int n = 0; n < samples; n++) {
      kept[n] = random.nextDouble() < keep;
    }
    scaleSamples(x, y, keep);
    return y;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> g = Dense.contiguous(gradOutput);
    Tensor<Float> gi = gradInput().resizeAs(g);
    if (kept == null) {
      return gi.copy(g);
    }
    if (g.dim() < 1 || g.size(1) != kept.length) {
      throw new IllegalStateException("DropConnect " + getName() + ": gradOutput has batch size "
          + (g.dim() < 1 ? 0 : g.size(1)) + " but the last training forward saw " + kept.length);
    }
    scaleSamples(g, gi, 1 - rate);
    return gi;
  }

  /** {@code to[n] = from[n] / keep} for kept samples, 0 for dropped ones; both contiguous, same size. */
  private void scaleSamples(Tensor<Float> from, Tensor<Float> to, double keep) {
    int total = from.nElement();
    if (total == 0) {
      return;
    }
    int perSample = total / kept.length;
    // x / keep in single precision, as the reference's inputs / keep_prob.
    float keepProbability = (float) keep;
    float[] src = Dense.data(from);
    float[] dst = Dense.data(to);
    int so = Dense.offset(from);
    int dOff = Dense.offset(to);
    for (int n = 0; n < kept.length; n++) {
      int base = n * perSample;
      if (kept[n]) {
        for (int j = 0; j < perSample; j++) {
          dst[dOff + base + j] = src[so + base + j] / keepProbability;
        }
      } else {
        java.util.Arrays.fill(dst, dOff + base, dOff + base + perSample, 0f);
      }
    }
  }

  /** Element-wise: needed by BigDL's MKL-DNN {@code BlasWrapper} inside an IR graph. */
  @Override
  public Shape computeOutputShape(Shape inputShape) {
    return Dense.sameShape(inputShape);
  }

  @Override
  public DropConnect clearState() {
    super.clearState();
    kept = null;
    return this;
  }

  @Override
  public String toString() {
    return "DropConnect(rate=" + rate + ")[" + getName() + "]";
  }
}
