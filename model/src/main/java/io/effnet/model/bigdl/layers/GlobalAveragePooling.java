package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;

/**
 * Global average pooling (N, C, H, W) to (N, C, 1, 1) as plain loops: the squeeze of squeeze-excitation and
 * the head's pooling. Replaces BigDL's {@code SpatialAveragePooling} with {@code globalPooling} on the MKL-DNN
 * engine (where it runs wrapped in {@code BlasWrapper}): MKL-DNN's pooling backward with a kernel as large as
 * the plane was a quarter of an EfficientNet-B0 training step at 64x64 there. No parameters.
 */
public final class GlobalAveragePooling extends TensorModule<Float> {
  private static final long serialVersionUID = 1L;

  public GlobalAveragePooling() {
    super(BigDL.tag(), BigDL.numeric());
  }

  @Override
  public Tensor<Float> updateOutput(Tensor<Float> input) {
    Tensor<Float> x = checked(input);
    int planes = x.size(1) * x.size(2);
    int area = x.size(3) * x.size(4);
    Tensor<Float> y = output().resize(x.size(1), x.size(2), 1, 1);
    if (planes == 0) {
      return y;
    }
    float[] xs = Dense.data(x);
    float[] ys = Dense.data(y);
    int xo = Dense.offset(x);
    int yo = Dense.offset(y);
    LayerThreads.forEachRange(planes, Dense.planesPerBlock(area), (first, count) -> {
      for (int p = first; p < first + count; p++) {
        int base = xo + p * area;
        // Four partial sums: independent add chains (and a little less rounding drift on large planes).
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int i = 0;
        for (; i + 3 < area; i += 4) {
          s0 += xs[base + i];
          s1 += xs[base + i + 1];
          s2 += xs[base + i + 2];
          s3 += xs[base + i + 3];
        }
        for (; i < area; i++) {
          s0 += xs[base + i];
        }
        ys[yo + p] = ((s0 + s1) + (s2 + s3)) / area;
      }
    });
    return y;
  }

  @Override
  public Tensor<Float> updateGradInput(Tensor<Float> input, Tensor<Float> gradOutput) {
    Tensor<Float> x = checked(input);
    int planes = x.size(1) * x.size(2);
    int area = x.size(3) * x.size(4);
    Tensor<Float> g = Dense.contiguous(gradOutput);
    if (g.nElement() != planes) {
      throw new IllegalArgumentException("GlobalAveragePooling " + getName() + ": gradOutput must hold one value"
          + " per sample and channel (" + planes + "), got " + g.nElement());
    }
    Tensor<Float> gi = gradInput().resizeAs(x);
    if (planes == 0 || area == 0) {
      return gi;
    }
    float[] gs = Dense.data(g);
    float[] is = Dense.data(gi);
    int go = Dense.offset(g);
    int io = Dense.offset(gi);
    LayerThreads.forEachRange(planes, Dense.planesPerBlock(area), (first, count) -> {
      for (int p = first; p < first + count; p++) {
        java.util.Arrays.fill(is, io + p * area, io + (p + 1) * area, gs[go + p] / area);
      }
    });
    return gi;
  }

  @Override
  public Shape computeOutputShape(Shape inputShape) {
    scala.collection.Seq<Object> s = inputShape.toSingle();
    if (s.size() != 4) {
      throw new IllegalArgumentException("GlobalAveragePooling " + getName() + " takes (N, C, H, W), got "
          + inputShape);
    }
    return com.intel.analytics.bigdl.utils.Shape$.MODULE$.apply(new int[] {(Integer) s.apply(0),
        (Integer) s.apply(1), 1, 1});
  }

  private Tensor<Float> checked(Tensor<Float> input) {
    if (input.dim() != 4) {
      throw new IllegalArgumentException("GlobalAveragePooling " + getName() + " takes (N, C, H, W), got shape "
          + java.util.Arrays.toString(input.size()));
    }
    return Dense.contiguous(input);
  }
}
