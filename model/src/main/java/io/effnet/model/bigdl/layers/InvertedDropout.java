package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;
import java.util.SplittableRandom;

/**
 * Inverted dropout (as BigDL's {@code Dropout(p, inplace = false, scale = true)} and Keras' {@code Dropout}): in
 * training each element is kept with probability {@code 1 - rate} and scaled by {@code 1 / (1 - rate)}, or
 * zeroed; backward applies the forward's mask. In evaluation mode (or with rate 0) it is the identity. It has no
 * parameters.
 *
 * <p>It replaces BigDL's {@code Dropout}, which draws its noise on BigDL's {@code Engine.model} thread pool from
 * thread-local generators: with one model replica per core in BigDL's DistriOptimizer, the masks then depended on
 * thread scheduling and a run could not be repeated. Masks here come from {@link MaskStream} (run seed, layer
 * name, forward count, input contents).
 */
public final class InvertedDropout extends TensorModule<Float> implements SeededMasks {
  private static final long serialVersionUID = 1L;

  private final double rate;
  private long runSeed;
  private long forwardCount;
  /** Per element of the last training forward: 0 or 1 / (1 - rate); null when that forward was the identity. */
  private float[] scale;

  /** Dropout with run seed 0 until {@link #seedMasks}; {@code rate} in [0, 1). */
  public InvertedDropout(double rate) {
    super(BigDL.tag(), BigDL.numeric());
    if (!(rate >= 0 && rate < 1)) {
      throw new IllegalArgumentException("dropout rate must be in [0, 1), got " + rate);
    }
    this.rate = rate;
  }

  @Override
  public void seedMasks(long seed) {
    this.runSeed = seed;
    this.forwardCount = 0;
  }

  /** The probability of dropping an element in training. */
  public double rate() {
    return rate;
  }

  @Override
  public Tensor<Float> updateOutput(Tensor<Float> input) {
    Tensor<Float> x = Dense.contiguous(input);
    Tensor<Float> y = output().resizeAs(x);
    if (!isTraining() || rate == 0) {
      scale = null;
      return y.copy(x);
    }
    int n = x.nElement();
    float[] src = Dense.data(x);
    int so = Dense.offset(x);
    float[] dst = Dense.data(y);
    int dOff = Dense.offset(y);
    if (scale == null || scale.length != n) {
      scale = new float[n];
    }
    double keep = 1 - rate;
    float kept = (float) (1 / keep);
    SplittableRandom random = MaskStream.of(runSeed, getName(), forwardCount++, src, so, n);
    for (int i = 0; i < n; i++) {
      float s = random.nextDouble() < keep ? kept : 0f;
      scale[i] = s;
      dst[dOff + i] = src[so + i] * s;
    }
    return y;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> g = Dense.contiguous(gradOutput);
    Tensor<Float> gi = gradInput().resizeAs(g);
    if (scale == null) {
      return gi.copy(g);
    }
    if (g.nElement() != scale.length) {
      throw new IllegalStateException("dropout " + getName() + ": gradOutput has " + g.nElement()
          + " elements but the last training forward had " + scale.length);
    }
    float[] src = Dense.data(g);
    int so = Dense.offset(g);
    float[] dst = Dense.data(gi);
    int dOff = Dense.offset(gi);
    for (int i = 0; i < scale.length; i++) {
      dst[dOff + i] = src[so + i] * scale[i];
    }
    return gi;
  }

  /** Element-wise: needed by BigDL's MKL-DNN {@code BlasWrapper} inside an IR graph. */
  @Override
  public Shape computeOutputShape(Shape inputShape) {
    return Dense.sameShape(inputShape);
  }

  @Override
  public InvertedDropout clearState() {
    super.clearState();
    scale = null;
    return this;
  }

  @Override
  public String toString() {
    return "InvertedDropout(rate=" + rate + ")[" + getName() + "]";
  }
}
