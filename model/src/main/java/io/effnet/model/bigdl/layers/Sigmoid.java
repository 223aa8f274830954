package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;

/**
 * The logistic sigmoid {@code y = 1 / (1 + e^-x)}. BigDL's own {@code nn.Sigmoid} computes the same but does
 * not implement {@code computeOutputShape}, so BigDL's MKL-DNN IR graph cannot wrap it ("Haven't been
 * implemented yet"); this one can. It also makes one cache-blocked pass instead of four whole-tensor ops.
 */
public final class Sigmoid extends TensorModule<Float> {
  private static final long serialVersionUID = 1L;

  public Sigmoid() {
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
      for (int i = yo + start; i < yo + start + len; i++) {
        // e^-x overflowing to +inf gives exactly 0, never NaN.
        ys[i] = 1f / (1f + ys[i]);
      }
    }
    return y;
  }

  /** Uses the forward output, {@code dy/dx = y (1 - y)}; the input is not read. */
  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> y = Dense.contiguous(output());
    Tensor<Float> g = Dense.contiguous(gradOutput);
    if (g.nElement() != y.nElement()) {
      throw new IllegalArgumentException("Sigmoid " + getName() + ": gradOutput has " + g.nElement()
          + " elements but the last forward output has " + y.nElement() + " (backward without forward?)");
    }
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
    for (int i = 0; i < n; i++) {
      float s = ys[yo + i];
      is[io + i] = gs[go + i] * s * (1f - s);
    }
    return gi;
  }

  /** Element-wise: needed by BigDL's MKL-DNN {@code BlasWrapper} inside an IR graph. */
  @Override
  public Shape computeOutputShape(Shape inputShape) {
    return Dense.sameShape(inputShape);
  }
}
