package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;

/**
 * Swish / SiLU, {@code y = x * sigmoid(x)}, the activation of EfficientNet (Tan and Le 2019; Ramachandran
 * et al. 2017). BigDL 0.13 has no such layer.
 *
 * <p>The backward pass recomputes {@code sigmoid(x)} from the input instead of keeping it from the forward
 * pass: one more exp per element, but no extra activation-sized buffer per Swish layer (EfficientNet has one
 * after nearly every convolution, and activation memory is what limits the batch size).
 */
public final class Swish extends TensorModule<Float> {
  private static final long serialVersionUID = 1L;

  public Swish() {
    super(BigDL.tag(), BigDL.numeric());
  }

  @Override
  public Tensor<Float> updateOutput(Tensor<Float> input) {
    Tensor<Float> x = Dense.contiguous(input);
    Tensor<Float> y = output().resizeAs(x);
    int n = x.nElement();
    if (n == 0) {
      return y;
    }
    float[] xs = Dense.data(x);
    float[] ys = Dense.data(y);
    int xo = Dense.offset(x);
    int yo = Dense.offset(y);
    for (int start = 0; start < n; start += Dense.BLOCK) {
      int len = Math.min(Dense.BLOCK, n - start);
      System.arraycopy(xs, xo + start, ys, yo + start, len);
      Dense.expOfNegated(ys, yo + start, len);
      for (int i = start; i < start + len; i++) {
        // x / (1 + e^-x): for very negative x, e^-x is +inf and the result -0, never NaN.
        ys[yo + i] = xs[xo + i] / (1f + ys[yo + i]);
      }
    }
    return y;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = Dense.contiguous(input);
    Tensor<Float> g = Dense.contiguous(gradOutput);
    if (g.nElement() != x.nElement()) {
      throw new IllegalArgumentException("Swish " + getName() + ": gradOutput has " + g.nElement()
          + " elements but the input has " + x.nElement());
    }
    Tensor<Float> gi = gradInput().resizeAs(x);
    int n = x.nElement();
    if (n == 0) {
      return gi;
    }
    float[] xs = Dense.data(x);
    float[] gs = Dense.data(g);
    float[] is = Dense.data(gi);
    int xo = Dense.offset(x);
    int go = Dense.offset(g);
    int io = Dense.offset(gi);
    for (int start = 0; start < n; start += Dense.BLOCK) {
      int len = Math.min(Dense.BLOCK, n - start);
      System.arraycopy(xs, xo + start, is, io + start, len);
      Dense.expOfNegated(is, io + start, len);
      for (int i = start; i < start + len; i++) {
        float s = 1f / (1f + is[io + i]);
        float v = xs[xo + i];
        // d(x s)/dx = s + x s (1 - s) = s (1 + x (1 - s)); s = 0 or 1 at the extremes keeps it finite.
        is[io + i] = gs[go + i] * s * (1f + v * (1f - s));
      }
    }
    return gi;
  }

  /** Element-wise: needed by BigDL's MKL-DNN {@code BlasWrapper} inside an IR graph. */
  @Override
  public Shape computeOutputShape(Shape inputShape) {
    return Dense.sameShape(inputShape);
  }
}
