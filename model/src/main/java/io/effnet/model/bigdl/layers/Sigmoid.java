package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.tensor.Tensor;

/**
 * The logistic sigmoid {@code y = 1 / (1 + e^-x)}. BigDL's own {@code nn.Sigmoid} computes the same but does
 * not implement {@code computeOutputShape}, so BigDL's MKL-DNN IR graph cannot wrap it ("Haven't been
 * implemented yet"); this one can. It also makes one cache-blocked pass instead of four whole-tensor ops.
 */
public final class Sigmoid extends ExpActivation {
  private static final long serialVersionUID = 1L;

  @Override
  void outputFromExp(float[] xs, int xo, float[] e, int eo, int length) {
    for (int i = eo; i < eo + length; i++) {
      // e^-x overflowing to +inf gives exactly 0, never NaN.
      e[i] = 1f / (1f + e[i]);
    }
  }

  /** Uses the forward output, {@code dy/dx = y (1 - y)}; the input is not read. */
  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> y = Dense.contiguous(output());
    Tensor<Float> g = Dense.contiguous(gradOutput);
    requireSameCount(g, y.nElement(), "the last forward output", " (backward without forward?)");
    Tensor<Float> gi = gradInput().resizeAs(y);
    int n = y.nElement();
    if (n == 0) {
      return gi;
    }
    float[] ys = Dense.data(y);
    float[] gs = Dense.data(g);
    float[] is = Dense.data(gi);
    int yo = Dense.offset(y);
    int go = Dense.offset(g);
    int io = Dense.offset(gi);
    LayerThreads.forEachRange(n, Dense.BLOCK, (start, length) -> {
      for (int i = start; i < start + length; i++) {
        float s = ys[yo + i];
        is[io + i] = gs[go + i] * s * (1f - s);
      }
    });
    return gi;
  }
}
