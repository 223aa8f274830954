package io.effnet.model.bigdl.layers;

import com.intel.analytics.bigdl.nn.abstractnn.TensorModule;
import com.intel.analytics.bigdl.tensor.Tensor;
import com.intel.analytics.bigdl.utils.Shape;
import io.effnet.model.bigdl.BigDL;

/**
 * An element-wise activation computed from {@code e^-x} ({@link Swish}, {@link Sigmoid}), in one cache-blocked
 * pass: per block of {@link Dense#BLOCK} elements, copy the input, one vectorised exp over the block
 * ({@link Dense#expOfNegated}), then a combining loop that still finds the block in cache. A subclass gives
 * the combining step of its forward pass and writes its own backward pass ({@link #forEachExpBlock} serves one
 * that needs the exp again).
 */
abstract class ExpActivation extends TensorModule<Float> {
  private static final long serialVersionUID = 1L;

  ExpActivation() {
    super(BigDL.tag(), BigDL.numeric());
  }

  /**
   * Replaces {@code e[eo + i]}, which holds {@code e^-x} of {@code x = xs[xo + i]}, by the activation of
   * {@code x}, for {@code i < length}. Overflow of {@code e^-x} to +inf must give a finite result.
   */
  abstract void outputFromExp(float[] xs, int xo, float[] e, int eo, int length);

  @Override
  public final Tensor<Float> updateOutput(Tensor<Float> input) {
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
    forEachExpBlock(xs, xo, ys, yo, n, (start, length) -> outputFromExp(xs, xo + start, ys, yo + start, length));
    return y;
  }

  /**
   * For each block of the {@code n} elements: {@code dst[dstOffset + i] = e^-xs[xo + i]} over the block, then
   * {@code step} on it while it is in cache ({@code start} and {@code length} count from the beginning of the
   * tensors). Blocks are independent: under MKL-DNN they are spread over the cores ({@link LayerThreads}).
   */
  static void forEachExpBlock(float[] xs, int xo, float[] dst, int dstOffset, int n, LayerThreads.RangeStep step) {
    LayerThreads.forEachRange(n, Dense.BLOCK, (start, length) -> {
      System.arraycopy(xs, xo + start, dst, dstOffset + start, length);
      Dense.expOfNegated(dst, dstOffset + start, length);
      step.apply(start, length);
    });
  }

  /**
   * The output gradient has as many elements as the tensor the backward pass reads ({@code what}, e.g. "the
   * input"); {@code hint} (may be empty) follows the message.
   */
  final void requireSameCount(Tensor<Float> gradOutput, int expected, String what, String hint) {
    if (gradOutput.nElement() != expected) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " " + getName() + ": gradOutput has "
          + gradOutput.nElement() + " elements but " + what + " has " + expected + hint);
    }
  }

  /** Element-wise: needed by BigDL's MKL-DNN {@code BlasWrapper} inside an IR graph. */
  @Override
  public final Shape computeOutputShape(Shape inputShape) {
    return Dense.sameShape(inputShape);
  }
}
