package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.tensor.Tensor;

/**
 * Swish / SiLU, {@code y = x * sigmoid(x)}, the activation of EfficientNet (Tan and Le 2019; Ramachandran
 * et al. 2017). BigDL 0.13 has no such layer.
 *
 * <p>The backward pass recomputes {@code sigmoid(x)} from the input instead of keeping it from the forward
 * pass: one more exp per element, but no extra activation-sized buffer per Swish layer (EfficientNet has one
 * after nearly every convolution, and activation memory is what limits the batch size).
 */
public final class Swish extends ExpActivation {
  private static final long serialVersionUID = 1L;

  @Override
  void outputFromExp(float[] xs, int xo, float[] e, int eo, int length) {
    for (int i = 0; i < length; i++) {
      // x / (1 + e^-x): for very negative x, e^-x is +inf and the result -0, never NaN.
      e[eo + i] = xs[xo + i] / (1f + e[eo + i]);
    }
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = Dense.contiguous(input);
    Tensor<Float> g = Dense.contiguous(gradOutput);
    requireSameCount(g, x.nElement(), "the input", "");
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
    forEachExpBlock(xs, xo, is, io, n, (start, length) -> {
      for (int i = start; i < start + length; i++) {
        float s = 1f / (1f + is[io + i]);
        float v = xs[xo + i];
        // d(x s)/dx = s + x s (1 - s) = s (1 + x (1 - s)); s = 0 or 1 at the extremes keeps it finite.
        is[io + i] = gs[go + i] * s * (1f + v * (1f - s));
      }
    });
    return gi;
  }
}
